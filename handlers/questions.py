"""Plain questions in private chats, in English, French or Spanish: the same answers as the
matching commands, in the asker's language.

The asker's language is the one the guard chose (their setting when they linked their account,
else Telegram's language_code when it is one of ours); a stranger with neither is answered in
the language the question is written in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from rapidfuzz import fuzz, process
from telegram import Update

from bot import i18n
from bot.dates import locale_for
from bot.i18n import N_, _
from handlers import actions, calendar, membership
from handlers.basic import help_command
from handlers.commands import commands_for
from handlers.common import reply, reply_long, reply_paged
from handlers.context import BotContext
from handlers.guard import LINK_FIRST
from handlers.intents import Intent, interpret, language_of_text
from storage.people import Viewer

LONGEST_QUESTION = 500
LINKED_INTENTS = {"focal", "actions", "whoami"}
EXAMPLES = N_("<i>who is the focal point for Mexico?</i>, <i>what is overdue for Belgium?</i>, "
              "<i>meetings in July</i>, <i>when is the next steering group meeting?</i>")


def speak_to_stranger(update: Update, viewer: Viewer, language: str | None) -> Viewer:
    """A stranger with no language of their own (no setting, Telegram's language_code none of
    ours or English) is answered in the language of the question; the viewer returned carries
    the language of the answer, for the dates in it."""
    user = update.effective_user
    told = i18n.supported(user.language_code if user else None)
    if language and not viewer.is_linked and told in (None, i18n.DEFAULT):
        i18n.set_language(language)
    return replace(viewer, language=i18n.current())


async def question(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Answer a plain question with what the matching command would show."""
    text = update.effective_message.text or ""
    if len(text) > LONGEST_QUESTION:
        speak_to_stranger(update, viewer, language_of_text(text[:LONGEST_QUESTION]))
        await reply(update, _("Please ask a short question, such as {examples}.",
                              examples=_(EXAMPLES)))
        return
    intent = interpret(text, context.services.today())
    viewer = speak_to_stranger(update, viewer, intent.language)
    if intent.name in LINKED_INTENTS and not (viewer.is_linked or viewer.is_admin):
        await reply(update, _(LINK_FIRST))
        return
    if intent.name == "help":
        await help_command(update, context, viewer)
    elif intent.name == "whoami":
        await membership.whoami(update, context, viewer)
    elif intent.name == "unknown":
        await reply(update, _suggest(context, text, viewer))
    elif intent.name == "actions":  # read page by page, as /actions
        await reply_paged(update, context, viewer, "actions", {
            "which": intent.which, "member": intent.subject, "mine": intent.mine,
            "name_them": True})
    elif intent.name == "meetings" and intent.month is None:
        await calendar.list_meetings(update, context, viewer)
    else:
        await reply_long(update, context, await answer(context, viewer, intent))


async def answer(context: BotContext, viewer: Viewer, intent: Intent) -> list[str]:
    """The lines for an intent, built by the same functions as the commands."""
    if intent.name == "next":
        return [await calendar.next_text(context, viewer, kind=intent.kind)]
    if intent.name == "meetings":
        if intent.month is None:
            return await calendar.meetings_lines(context, viewer)
        return await _month(context, viewer, *intent.month)
    if intent.name == "focal":
        if intent.subject is None:
            return [_("Which member? For example: <i>who is the focal point for Mexico?</i>")]
        return await membership.focal_lines(context, viewer, intent.subject, show_email=True)
    if intent.name == "actions":
        return await actions.actions_lines(context, viewer, intent.which, intent.subject,
                                           mine=intent.mine)
    if intent.name == "troika":
        return await membership.troika_lines(context, viewer)
    if intent.name == "steering":
        return await membership.steering_lines(context, viewer)
    return await membership.members_lines(context, viewer, intent.region)


async def _month(context: BotContext, viewer: Viewer, year: int, month: int) -> list[str]:
    zone = ZoneInfo(viewer.timezone if viewer.is_linked else context.services.settings.timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    shown = format_skeleton("yMMMM", start, locale=locale_for(i18n.current()))
    title = _("Meetings in {month}", month=shown)
    return await calendar.meetings_lines(context, viewer, start=start.astimezone(UTC),
                                         end=end.astimezone(UTC), title=title)


def _suggest(context: BotContext, text: str, viewer: Viewer) -> str:
    """Unknown question: the closest commands (by their descriptions) and examples."""
    allowed = {c.name: f"{c.name} {c.summary} {_(c.summary) if c.summary else ''}"
               for c in commands_for(context.commands, viewer)}
    closest = process.extract(text.lower(), allowed, scorer=fuzz.token_set_ratio, limit=3)
    names = ", ".join(f"/{key}" for _text, _score, key in closest) or "/help"
    return _("I did not understand that. The closest commands: {names}. You can also ask, for "
             "example, {examples}. All commands: /help", names=names, examples=_(EXAMPLES))
