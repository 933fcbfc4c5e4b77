"""Guided forms: a multi-field admin command sent without arguments asks one question at a time
(buttons for choices, /cancel to stop), then does exactly what the command would do.

Each form is a table of questions (`handlers.commands.Form`) on its command's row in the registry;
one ConversationHandler holds them all, with one ASKING state.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import parsing
from bot.i18n import _
from handlers import actions, calendar, membership
from handlers.commands import Ask, Command, Form
from handlers.common import Handler, esc, reply
from handlers.context import BotContext
from handlers.guard import REFUSED, guarded, viewer_of
from handlers.settings import ZONE_CITIES
from storage.errors import Rejected
from storage.models import Audience
from storage.people import Viewer

ASKING = 0
SKIP = "skip"
NOW = "_now"  # the clock's time, given to each check beside the answers so far
LAST_ZONE_BEHIND = timedelta(hours=12)  # the most a time zone is behind UTC (Etc/GMT+12)

Answers = dict[str, Any]


class AskAgain(parsing.BadInput):
    """This answer shows that an earlier one cannot be used: ask that question again."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def _start_time(value: str, answers: Answers) -> tuple[date, time]:
    """The start as written; a time already gone by in every time zone is refused now (the
    exact moment is checked once the zone is known)."""
    on, at = parsing.moment(value)
    if datetime.combine(on, at, tzinfo=UTC) + LAST_ZONE_BEHIND <= answers[NOW]:
        raise parsing.BadInput(f"{parsing.quote(value)} has already passed.")
    return on, at


def _zone_for_start(value: str, answers: Answers) -> str:
    zone = parsing.zone(value)
    starts_at = parsing.in_zone(*answers["when"], zone)  # a time a clock change skips: refused
    if starts_at <= answers[NOW]:
        raise AskAgain(f"{starts_at:%Y-%m-%d %H:%M} has already passed in {zone}.", "when")
    return zone


def _end_time(value: str, answers: Answers) -> datetime | None:
    """`HH:MM` (the start's day) or `YYYY-MM-DD HH:MM`, in the meeting's zone; or skip."""
    if value.lower() == SKIP:
        return None
    words = value.removeprefix("-").removeprefix("–").split()
    if len(words) not in (1, 2):
        raise parsing.BadInput("Write the end as HH:MM, or YYYY-MM-DD HH:MM, or tap skip.")
    end_day = parsing.day(words[0]) if len(words) == 2 else None
    starts_at = parsing.in_zone(*answers["when"], answers["zone"])
    return parsing.end_of(starts_at, end_day, parsing.clock_time(words[-1]), answers["zone"])


def _optional_agenda(value: str, answers: Answers) -> str:
    if value.lower() == SKIP:
        return ""
    return parsing.text(value, "agenda", limit=calendar.AGENDA_LIMIT)


def _optional_telegram_id(value: str, answers: Answers) -> int | None:
    return None if value.lower() == SKIP else parsing.telegram_id(value)


async def _finish_meeting(update: Update, context: BotContext, viewer: Viewer,
                          a: Answers) -> None:
    await calendar.create_meeting(update, context, viewer, dict(
        starts_at=parsing.in_zone(*a["when"], a["zone"]), timezone=a["zone"],
        ends_at=a["end"], title=a["title"], location=a["location"], audience=a["audience"],
        agenda=a["agenda"]))


async def _finish_member(update: Update, context: BotContext, viewer: Viewer,
                         a: Answers) -> None:
    await membership.create_member(update, context, viewer, a["code"], a["name"])


async def _finish_focal(update: Update, context: BotContext, viewer: Viewer,
                        a: Answers) -> None:
    await membership.save_focal(update, context, viewer, dict(
        code=a["code"], email=a["email"], name=a["name"], telegram_id=a["telegram_id"]))


async def _finish_action(update: Update, context: BotContext, viewer: Viewer,
                         a: Answers) -> None:
    await actions.create_action(update, context, viewer, dict(
        code=a["code"], due_date=a["due"], title=a["title"]))


def _code(value: str, answers: Answers) -> str:
    return parsing.code(value)


def _member(value: str, answers: Answers) -> str:
    """An existing member: its code or its name (resolved when the form is finished)."""
    return parsing.member(value)


NEW_MEETING = Form("New meeting", (
    Ask("when", "When does it start? Write <code>YYYY-MM-DD HH:MM</code>, "
                "e.g. <code>2007-10-02 10:00</code>.", _start_time),
    Ask("zone", "In which time zone? Tap one, or type a city or an IANA name such as "
                "<code>Asia/Manila</code>.", _zone_for_start, ZONE_CITIES),
    Ask("end", "When does it end? Write <code>HH:MM</code> for the same day or "
               "<code>YYYY-MM-DD HH:MM</code>, or tap skip for two hours.", _end_time, (SKIP,)),
    Ask("title", "What is the title?", lambda v, a: parsing.text(v, "title", limit=200)),
    Ask("location", "Where is it?", lambda v, a: parsing.text(v, "location", limit=200)),
    Ask("audience", "Who is invited?", lambda v, a: parsing.audience(v),
        tuple(x.value for x in Audience)),
    Ask("agenda", "What is on the agenda? One line, or tap skip.", _optional_agenda, (SKIP,)),
), _finish_meeting)
NEW_MEMBER = Form("New member", (
    Ask("code", "What is the member's code? ISO code for a state (GH), short code for an "
                "organisation (IOM).", _code),
    Ask("name", "What is its name?", lambda v, a: parsing.text(v, "name", limit=200)),
), _finish_member)
FOCAL = Form("Focal point", (
    Ask("code", "For which member? Give its code or name, e.g. <code>GH</code>.", _member),
    Ask("email", "What is the focal point's email address?", lambda v, a: parsing.email(v)),
    Ask("name", "What is their full name?", lambda v, a: parsing.text(v, "name", limit=200)),
    Ask("telegram_id", "Their numeric Telegram user id, to link them now? Or tap skip.",
        _optional_telegram_id, (SKIP,)),
), _finish_focal)
NEW_ACTION = Form("New action item", (
    Ask("code", "Which member owns it? Give its code or name, e.g. <code>FI</code>.",
        _member),
    Ask("due", "When is it due? Write <code>YYYY-MM-DD</code>.",
        lambda v, a: parsing.day(v)),
    Ask("title", "What is to be done?", lambda v, a: parsing.text(v, "title", limit=300)),
), _finish_action)


async def _ask(update: Update, form: Form, step: int) -> None:
    question = form.questions[step]
    markup = None
    if question.choices:
        buttons = [InlineKeyboardButton(c, callback_data=f"form:{c}") for c in question.choices]
        markup = InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])
    await reply(update, f"<b>{esc(form.title)}</b> ({step + 1}/{len(form.questions)}) "
                        f"{question.prompt}\nSend /cancel to stop.", reply_markup=markup)


def _entry(command: Command, direct: Handler) -> Handler:
    """Run the command when it has arguments, else start its guided form (guarded as the
    command: only its role may open it)."""
    form = command.form
    assert form is not None

    async def begin(update: Update, context: BotContext, viewer: Viewer) -> int:
        context.user_data["form"] = {"command": command.name, "step": 0, "answers": {}}
        await _ask(update, form, 0)
        return ASKING

    guarded_begin = guarded(command, begin)

    async def entry(update: Update, context: BotContext) -> int | None:
        if context.args:
            await direct(update, context)
            return ConversationHandler.END
        return await guarded_begin(update, context)

    return entry


def _form_of(context: BotContext) -> tuple[dict, Form] | None:
    """The open form's state and its Form, from the registry row it was started by."""
    state = context.user_data.get("form")
    if state is None:
        return None
    row = next((c for c in context.commands if c.name == state["command"] and c.form), None)
    return (state, row.form) if row is not None and row.form is not None else None


async def _answer(update: Update, context: BotContext, value: str) -> int:
    found = _form_of(context)
    if found is None:
        await reply(update, "This form has expired; send the command again.")
        return ConversationHandler.END
    state, form = found
    question = form.questions[state["step"]]
    seen = {**state["answers"], NOW: context.services.now()}  # checks may compare with now
    try:
        state["answers"][question.key] = question.check(value.strip(), seen)
    except AskAgain as problem:
        state["step"] = next(i for i, q in enumerate(form.questions) if q.key == problem.key)
        await reply(update, f"{esc(problem)} Please give it again, or send /cancel.")
        await _ask(update, form, state["step"])
        return ASKING
    except parsing.BadInput as problem:
        await reply(update, f"{esc(problem)} Please try again, or send /cancel.")
        return ASKING
    state["step"] += 1
    if state["step"] < len(form.questions):
        await _ask(update, form, state["step"])
        return ASKING
    context.user_data.pop("form", None)
    viewer = await viewer_of(update, context)
    if not viewer.is_admin:  # the role may have been withdrawn while the form was open
        await reply(update, _(REFUSED))
        return ConversationHandler.END
    try:
        await form.finish(update, context, viewer, state["answers"])
    except (parsing.BadInput, Rejected) as problem:
        await reply(update, f"{esc(problem)} Nothing was changed.")
    return ConversationHandler.END


async def answer_text(update: Update, context: BotContext) -> int:
    """Take a typed answer to the current question."""
    return await _answer(update, context, update.effective_message.text or "")


async def answer_button(update: Update, context: BotContext) -> int:
    """Take a tapped answer (form:<value>) to the current question."""
    query = update.callback_query
    await query.answer()
    return await _answer(update, context, (query.data or "form:").split(":", 1)[1])


async def cancel(update: Update, context: BotContext) -> int:
    """Stop the form; nothing is saved."""
    context.user_data.pop("form", None)
    await reply(update, "Stopped; nothing was changed.")
    return ConversationHandler.END


def form_handler(commands: list[tuple[Command, Handler]]) -> ConversationHandler:
    """One ConversationHandler for all forms (one open form per user and chat); each row comes
    with its guarded handler, used when the command comes with arguments."""
    with warnings.catch_warnings():
        # Buttons belong to the chat's open form, not to one message: per_message stays off.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message")
        return ConversationHandler(
            entry_points=[
                CommandHandler(command.name, _entry(command, direct),
                               filters=filters.ChatType.PRIVATE)
                for command, direct in commands
            ],
            states={ASKING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, answer_text),
                CallbackQueryHandler(answer_button, pattern="^form:"),
            ]},
            fallbacks=[CommandHandler("cancel", cancel)],
            name="forms",
            allow_reentry=True,
        )
