"""The calendar: /next, /meetings, /meeting with attendance buttons, and the admin commands
that schedule, move and cancel meetings."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import parsing
from bot.dates import short_moment
from bot.i18n import N_, _, current
from bot.ics import meeting_calendar, organizer
from bot.ops import calendar as ops
from bot.ops.calendar import Scheduled
from handlers.common import (
    Page,
    argument_text,
    card_owner,
    edit,
    esc,
    owned,
    page_loader,
    reply,
    reply_long,
    reply_paged,
)
from handlers.context import BotContext
from handlers.formatting import ANSWER_LABEL, label, meeting_details, meeting_line, when
from storage.errors import Rejected
from storage.models import Meeting
from storage.people import Viewer

NO_MEETINGS = N_("No meetings are scheduled.")
NO_MEETING_OF_KIND = {
    "friends": N_("No meeting of the Friends of the Forum is scheduled."),
    "steering": N_("No steering group meeting is scheduled."),
    "troika": N_("No troika meeting is scheduled."),
    "roundtable": N_("No roundtable is scheduled."),
    "marketplace": N_("No marketplace meeting is scheduled."),
    "summit": N_("No Global Forum summit is scheduled."),
}
UPCOMING = N_("Upcoming meetings")
DETAILS_HINT = N_("Details and calendar file: /meeting <i>number</i>")
MEETING_FIELDS = 4  # a fifth, the agenda, is optional
AGENDA_LIMIT = 2000
OVERLAPS_SHOWN = 3
SCHEDULED = N_("Scheduled:\n{meeting}")
MOVED = N_("Moved:\n{meeting}")


async def next_text(context: BotContext, viewer: Viewer, *, kind: str | None = None) -> str:
    """The next meeting (of a kind), as /next and plain questions show it."""
    meeting = await ops.next_meeting(context.services, kind=kind)
    if meeting is None:
        return _(NO_MEETING_OF_KIND.get(kind or "", NO_MEETINGS))
    return _("Next: {meeting}\nDetails and calendar file: /meeting {number}",
             meeting=meeting_line(meeting, viewer), number=meeting.id)


async def meetings_lines(
    context: BotContext, viewer: Viewer, *, start: datetime | None = None,
    end: datetime | None = None, title: str | None = None,
) -> list[str]:
    """Upcoming meetings, or those starting in [start, end), as /meetings shows them."""
    if start is not None and end is not None:
        found = await ops.between(context.services, start, end)
    else:
        found = await ops.upcoming(context.services)
    title = title or _(UPCOMING)
    if not found:
        return [f"<b>{esc(title)}</b>", _("None.")]
    return [f"<b>{esc(title)}</b>", *(meeting_line(m, viewer) for m in found), _(DETAILS_HINT)]


async def next_meeting(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the next meeting."""
    await reply(update, await next_text(context, viewer))


async def list_meetings(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List upcoming meetings."""
    await reply_paged(update, context, viewer, "meetings", {})


@page_loader("meetings")
async def meetings_page(context: BotContext, viewer: Viewer, asked: dict, number: int) -> Page:
    """Page `number` of /meetings, read from the database (the page buttons call this too)."""
    found = await ops.upcoming_page(context.services, number)
    title = _(UPCOMING)
    if not found.total:
        return Page([f"<b>{title}</b>", _("None.")], 1)
    first = [f"<b>{title}</b>"] if number == 0 else []
    last = [_(DETAILS_HINT)] if number + 1 >= found.count else []
    return Page([*first, *(meeting_line(m, viewer) for m in found.meetings), *last],
                found.count)


def attendance_buttons(meeting: Meeting, answer: str | None,
                       owner: int | str | None = None) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(("✓ " if answer == value else "") + _(text),
                             callback_data=owned(f"att:{meeting.id}:{value}", owner))
        for value, text in ANSWER_LABEL.items()
    ]
    return InlineKeyboardMarkup([row])


def _meeting_id(context: BotContext, missing: str = N_("Tell me which meeting.")) -> int:
    if len(context.args or []) != 1:
        raise parsing.BadInput(_(missing))
    return parsing.number(context.args[0], "meeting")


async def show_meeting(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show one meeting with attendance buttons and send its .ics file."""
    view = await ops.view_meeting(context.services, viewer, _meeting_id(context))
    meeting = view.meeting
    markup = attendance_buttons(meeting, view.answer, card_owner(update)) \
        if view.can_answer else None
    await reply(update, meeting_details(meeting, viewer, view.answer), reply_markup=markup)
    await update.effective_message.reply_document(
        meeting_calendar(meeting, organizer_email=organizer(context.services.settings)),
        filename=f"gfmd-meeting-{meeting.id}.ics",
        caption=_("{title}: add it to your calendar", title=esc(meeting.title[:200])),
    )


async def attend(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Store the answer from an attendance button (att:<meeting>:<yes|no|maybe>)."""
    query = update.callback_query
    meeting_text, value, owner = context.match.groups()
    if viewer.person_id is None:
        await query.answer(_("Link your account first: /link your email."), show_alert=True)
        return
    if not meeting_text.isdigit() or value not in ANSWER_LABEL:
        await query.answer(_("This button is not valid any more."), show_alert=True)
        return
    try:
        meeting = await ops.answer_invitation(context.services, viewer, int(meeting_text), value)
    except Rejected as problem:
        await query.answer(_("{problem} Your answer was not changed.", problem=problem),
                           show_alert=True)
        return
    await query.answer(_("Saved: {answer}.", answer=_(ANSWER_LABEL[value])))
    await edit(query, None, attendance_buttons(meeting, value, owner))  # the same answer twice


async def attendance(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show who answered what for a meeting, by member, and who has not answered."""
    meeting_id = _meeting_id(context)
    report = await ops.attendance(context.services, viewer, meeting_id)
    counts = ", ".join(_("{answer}: {count}", answer=_(ANSWER_LABEL[k]).lower(), count=v)
                       for k, v in report.counts.items())
    lines = [_("<b>Attendance for #{number} {title}</b>", number=meeting_id,
               title=esc(report.meeting.title)), counts]
    for member, answers in report.answers.items():
        people = "; ".join(_("{person}: {answer}", person=esc(name),
                             answer=label(ANSWER_LABEL, a)) for name, a in answers)
        lines.append(f"• {esc(member)} — {people}")
    if report.unanswered:
        lines.append(_("<b>Not answered yet ({count})</b>: {members}",
                       count=len(report.unanswered),
                       members=", ".join(esc(m) for m in report.unanswered)))
    await reply_long(update, context, lines)


def parse_new_meeting(text: str) -> dict:
    """`<start>[ - <end>] <zone> | <title> | <location> | <audience>[ | <agenda>]` -> the fields
    of add_meeting. The end is `HH:MM` (the same day) or `YYYY-MM-DD HH:MM`."""
    if not text:
        raise parsing.BadInput(_("The meeting's details are missing."))
    parts = [part.strip() for part in text.split("|")]
    if len(parts) not in (MEETING_FIELDS, MEETING_FIELDS + 1):
        raise parsing.BadInput(_("I need {count} fields separated by “|” (a fifth for the "
                                 "agenda) and found {found}.", count=MEETING_FIELDS,
                                 found=len(parts)))
    when, title, location, audience = parts[:MEETING_FIELDS]
    written = parsing.span(when)
    if not written.rest:
        raise parsing.BadInput(_("After the time, give the time zone, e.g. Europe/Brussels."))
    zone = parsing.zone(written.rest)
    starts_at = parsing.in_zone(written.start_day, written.start, zone)
    agenda = parts[MEETING_FIELDS] if len(parts) > MEETING_FIELDS else ""
    return dict(
        starts_at=starts_at, timezone=zone,
        ends_at=parsing.end_of(starts_at, written.end_day, written.end, zone),
        title=parsing.text(title, "title", limit=200),
        location=parsing.text(location, "location", limit=200),
        audience=parsing.audience(audience),
        agenda=parsing.text(agenda, "agenda", limit=AGENDA_LIMIT) if agenda else "",
    )


def scheduled_text(head: str, scheduled: Scheduled, viewer: Viewer) -> str:
    """The meeting as added or moved (`head`: SCHEDULED or MOVED, with a `{meeting}`
    placeholder), with a warning for each overlapping meeting."""
    lines = [_(head, meeting=meeting_line(scheduled.meeting, viewer))]
    lines += [_("⚠️ Warning: this overlaps <b>#{number}</b> {title} ({when}), which has the "
                "same audience.", number=other.id, title=esc(other.title),
                when=when(other, viewer)) for other in scheduled.overlaps[:OVERLAPS_SHOWN]]
    if len(scheduled.overlaps) > OVERLAPS_SHOWN:
        lines.append(_("⚠️ It overlaps {count} meetings with the same audience in all; see "
                       "/meetings.", count=len(scheduled.overlaps)))
    return "\n".join(lines)


async def create_meeting(update: Update, context: BotContext, viewer: Viewer,
                         fields: dict) -> None:
    """Schedule the meeting and confirm it (shared by the command and the guided form)."""
    scheduled = await ops.add_meeting(context.services, viewer, **fields)
    await reply(update, scheduled_text(SCHEDULED, scheduled, viewer))


async def add_meeting(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Schedule a meeting."""
    await create_meeting(update, context, viewer, parse_new_meeting(argument_text(update)))


async def move_meeting(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Move a meeting to a new start (in the meeting's own time zone), keeping its length."""
    args = context.args or []
    if len(args) != 3:
        raise parsing.BadInput(_("I need the meeting number, the new date and the new time."))
    scheduled = await ops.move_meeting(context.services, viewer,
                                       parsing.number(args[0], "meeting"), args[1], args[2])
    await reply(update, scheduled_text(MOVED, scheduled, viewer))


async def cancel_meeting(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Ask for confirmation before cancelling a meeting."""
    meeting_id = _meeting_id(context, N_("Tell me which meeting to cancel."))
    meeting = await ops.get_meeting(context.services, meeting_id)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Yes, cancel it"), callback_data=f"cxm:{meeting_id}"),
        InlineKeyboardButton(_("No, keep it"), callback_data="cxm:no"),
    ]])
    await reply(update, _("Cancel this meeting? Everyone invited will be told.\n{meeting}",
                          meeting=meeting_line(meeting, viewer)), reply_markup=buttons)


async def confirm_cancel(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Cancel the meeting once the administrator confirmed (cxm:<id> or cxm:no)."""
    query = update.callback_query
    choice = context.match.group(1)
    if not choice.isdigit():
        await query.answer()
        await query.edit_message_text(_("Nothing was cancelled."))
        return
    meeting = await ops.cancel_meeting(context.services, viewer, int(choice))
    await query.answer(_("Cancelled."))
    await query.edit_message_text(_(
        "Cancelled #{number} {title} ({when}).", number=meeting.id, title=esc(meeting.title),
        when=short_moment(meeting.starts_at, meeting.timezone, current())))
