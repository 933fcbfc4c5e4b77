"""Plain questions in private chats: the same answers as the matching commands."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from telegram import Update

from bot.i18n import _
from handlers import actions, calendar, membership
from handlers.basic import help_command
from handlers.commands import commands_for
from handlers.common import reply, reply_long, reply_paged
from handlers.context import BotContext
from handlers.guard import LINK_FIRST
from handlers.intents import Intent, interpret
from storage.people import Viewer

LONGEST_QUESTION = 500
LINKED_INTENTS = {"focal", "actions", "whoami"}
EXAMPLES = ("<i>who is the focal point for Mexico?</i>, <i>what is overdue for Belgium?</i>, "
            "<i>meetings in July</i>, <i>when is the next steering group meeting?</i>")


async def question(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Answer a plain question with what the matching command would show."""
    text = update.effective_message.text or ""
    if len(text) > LONGEST_QUESTION:
        await reply(update, f"Please ask a short question, such as {EXAMPLES}.")
        return
    intent = interpret(text, context.services.today())
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
            return ["Which member? For example: <i>who is the focal point for Mexico?</i>"]
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
    title = f"Meetings in {start:%B %Y}"
    return await calendar.meetings_lines(context, viewer, start=start.astimezone(UTC),
                                         end=end.astimezone(UTC), title=title)


def _suggest(context: BotContext, text: str, viewer: Viewer) -> str:
    """Unknown question: the closest commands (by their descriptions) and examples."""
    allowed = {c.name: f"{c.name} {c.summary}"
               for c in commands_for(context.commands, viewer)}
    closest = process.extract(text.lower(), allowed, scorer=fuzz.token_set_ratio, limit=3)
    names = ", ".join(f"/{key}" for _, _, key in closest) or "/help"
    return (f"I did not understand that. The closest commands: {names}. "
            f"You can also ask, for example, {EXAMPLES}. All commands: /help")

