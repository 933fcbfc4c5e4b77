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
from bot.i18n import N_, _
from handlers import actions, calendar, membership
from handlers.commands import Ask, Command, Form
from handlers.common import Handler, esc, reply
from handlers.context import BotContext
from handlers.formatting import AUDIENCE_LABEL
from handlers.guard import REFUSED, guarded, speak_to_sender
from handlers.settings import ZONE_CITIES
from storage.errors import Rejected
from storage.models import Audience
from storage.people import Viewer

ASKING = 0
SKIP = "skip"  # the button's data, and what may be typed (or its translation)
SKIP_LABEL = N_("skip")
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
        raise parsing.BadInput(_("{moment} has already passed.", moment=parsing.quote(value)))
    return on, at


def _zone_for_start(value: str, answers: Answers) -> str:
    zone = parsing.zone(value)
    starts_at = parsing.in_zone(*answers["when"], zone)  # a time a clock change skips: refused
    if starts_at <= answers[NOW]:
        raise AskAgain(_("{moment} has already passed in {zone}.",
                         moment=starts_at.strftime(parsing.MINUTE), zone=zone), "when")
    return zone


def _end_time(value: str, answers: Answers) -> datetime | None:
    """`HH:MM` (the start's day) or `YYYY-MM-DD HH:MM`, in the meeting's zone; or skip."""
    if _skipped(value):
        return None
    words = value.removeprefix("-").removeprefix("–").split()
    if len(words) not in (1, 2):
        raise parsing.BadInput(_("Write the end as HH:MM, or YYYY-MM-DD HH:MM, or tap skip."))
    end_day = parsing.day(words[0]) if len(words) == 2 else None
    starts_at = parsing.in_zone(*answers["when"], answers["zone"])
    return parsing.end_of(starts_at, end_day, parsing.clock_time(words[-1]), answers["zone"])


def _skipped(value: str) -> bool:
    """The skip button, or "skip" typed in English or in the reader's language."""
    return value.lower() in (SKIP, _(SKIP_LABEL).lower())


def _optional_agenda(value: str, answers: Answers) -> str:
    if _skipped(value):
        return ""
    return parsing.text(value, "agenda", limit=calendar.AGENDA_LIMIT)


def _optional_telegram_id(value: str, answers: Answers) -> int | None:
    return None if _skipped(value) else parsing.telegram_id(value)


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


# Titles and questions are marked with N_ and translated where they are asked (_ask).
NEW_MEETING = Form(N_("New meeting"), (
    Ask("when", N_("When does it start? Write <code>YYYY-MM-DD HH:MM</code>, "
                   "e.g. <code>2007-10-02 10:00</code>."), _start_time),
    Ask("zone", N_("In which time zone? Tap one, or type a city or an IANA name such as "
                   "<code>Asia/Manila</code>."), _zone_for_start, ZONE_CITIES),
    Ask("end", N_("When does it end? Write <code>HH:MM</code> for the same day or "
                  "<code>YYYY-MM-DD HH:MM</code>, or tap skip for two hours."), _end_time,
        (SKIP,)),
    Ask("title", N_("What is the title?"), lambda v, a: parsing.text(v, "title", limit=200)),
    Ask("location", N_("Where is it?"), lambda v, a: parsing.text(v, "location", limit=200)),
    Ask("audience", N_("Who is invited?"), lambda v, a: parsing.audience(v),
        tuple(x.value for x in Audience)),
    Ask("agenda", N_("What is on the agenda? One line, or tap skip."), _optional_agenda,
        (SKIP,)),
), _finish_meeting)
NEW_MEMBER = Form(N_("New member"), (
    Ask("code", N_("What is the member's code? ISO code for a state (GH), short code for an "
                   "organisation (IOM)."), _code),
    Ask("name", N_("What is its name?"), lambda v, a: parsing.text(v, "name", limit=200)),
), _finish_member)
FOCAL = Form(N_("Focal point"), (
    Ask("code", N_("For which member? Give its code or name, e.g. <code>GH</code>."), _member),
    Ask("email", N_("What is the focal point's email address?"),
        lambda v, a: parsing.email(v)),
    Ask("name", N_("What is their full name?"),
        lambda v, a: parsing.text(v, "name", limit=200)),
    Ask("telegram_id", N_("Their numeric Telegram user id, to link them now? Or tap skip."),
        _optional_telegram_id, (SKIP,)),
), _finish_focal)
NEW_ACTION = Form(N_("New action item"), (
    Ask("code", N_("Which member owns it? Give its code or name, e.g. <code>FI</code>."),
        _member),
    Ask("due", N_("When is it due? Write <code>YYYY-MM-DD</code>."),
        lambda v, a: parsing.day(v)),
    Ask("title", N_("What is to be done?"), lambda v, a: parsing.text(v, "title", limit=300)),
), _finish_action)
# How a choice's button reads (its data stays the value the command takes).
CHOICE_LABELS = {SKIP: SKIP_LABEL, **AUDIENCE_LABEL}


async def _ask(update: Update, form: Form, step: int) -> None:
    question = form.questions[step]
    markup = None
    if question.choices:
        buttons = [InlineKeyboardButton(_(CHOICE_LABELS[c]) if c in CHOICE_LABELS else c,
                                        callback_data=f"form:{c}") for c in question.choices]
        markup = InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])
    await reply(update, _("<b>{form}</b> ({step}/{steps}) {question}", form=esc(_(form.title)),
                          step=step + 1, steps=len(form.questions), question=_(question.prompt))
                + "\n" + _("Send /cancel to stop."), reply_markup=markup)


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
    viewer = await speak_to_sender(update, context)  # the guard does not wrap a form's steps
    found = _form_of(context)
    if found is None:
        await reply(update, _("This form has expired; send the command again."))
        return ConversationHandler.END
    state, form = found
    question = form.questions[state["step"]]
    seen = {**state["answers"], NOW: context.services.now()}  # checks may compare with now
    try:
        state["answers"][question.key] = question.check(value.strip(), seen)
    except AskAgain as problem:
        state["step"] = next(i for i, q in enumerate(form.questions) if q.key == problem.key)
        await reply(update, _("{problem} Please give it again, or send /cancel.",
                              problem=esc(problem)))
        await _ask(update, form, state["step"])
        return ASKING
    except parsing.BadInput as problem:
        await reply(update, _("{problem} Please try again, or send /cancel.",
                              problem=esc(problem)))
        return ASKING
    state["step"] += 1
    if state["step"] < len(form.questions):
        await _ask(update, form, state["step"])
        return ASKING
    context.user_data.pop("form", None)
    if not viewer.is_admin:  # the role may have been withdrawn while the form was open
        await reply(update, _(REFUSED))
        return ConversationHandler.END
    try:
        await form.finish(update, context, viewer, state["answers"])
    except (parsing.BadInput, Rejected) as problem:
        await reply(update, _("{problem} Nothing was changed.", problem=esc(problem)))
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
    await speak_to_sender(update, context)
    await reply(update, _("Stopped; nothing was changed."))
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
