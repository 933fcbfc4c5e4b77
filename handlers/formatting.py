"""How meetings, members and action items read in replies (HTML, user text escaped)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.dates import short_day, short_moment, was_due
from handlers.common import esc
from storage.actions import ActionView
from storage.models import Meeting, MeetingStatus, Member
from storage.people import Viewer

AUDIENCE_LABEL = {"all": "all Friends", "steering": "steering group", "troika": "troika"}


def when(meeting: Meeting, viewer: Viewer) -> str:
    """Start and end in the meeting's zone, and in the reader's when that differs."""
    zone = meeting.timezone
    text = (f"{short_moment(meeting.starts_at, zone, viewer.language)} –"
            f"{_end(meeting, zone, viewer.language)} ({esc(zone)})")
    if viewer.is_linked and viewer.timezone != zone:
        mine = short_moment(meeting.starts_at, viewer.timezone, viewer.language)
        text += (f"; your time {mine} –"
                 f"{_end(meeting, viewer.timezone, viewer.language)} ({esc(viewer.timezone)})")
    return text


def _end(meeting: Meeting, zone: str, language: str) -> str:
    tz = ZoneInfo(zone)
    if meeting.starts_at.astimezone(tz).date() == meeting.ends_at.astimezone(tz).date():
        return " " + short_moment(meeting.ends_at, zone, language, with_date=False)
    return " " + short_moment(meeting.ends_at, zone, language)


def status_mark(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.CANCELLED:
        return " <b>CANCELLED</b>"
    if meeting.status == MeetingStatus.MOVED:
        return " <i>(moved)</i>"
    return ""


def meeting_line(meeting: Meeting, viewer: Viewer) -> str:
    return (f"<b>#{meeting.id}</b> {esc(meeting.title)}{status_mark(meeting)}\n"
            f"  {when(meeting, viewer)}\n  {esc(meeting.location or 'place to be announced')}"
            f" · {AUDIENCE_LABEL.get(meeting.audience, esc(meeting.audience))}")


def meeting_details(meeting: Meeting, viewer: Viewer, answer: str | None) -> str:
    lines = [
        f"<b>{esc(meeting.title)}</b>{status_mark(meeting)}",
        f"When: {when(meeting, viewer)}",
        f"Where: {esc(meeting.location or 'to be announced')}",
        f"For: {AUDIENCE_LABEL.get(meeting.audience, esc(meeting.audience))}",
    ]
    if meeting.agenda:
        lines.append(f"Agenda: {esc(meeting.agenda)}")
    if answer:
        lines.append(f"Your answer: <b>{ANSWER_LABEL.get(answer, esc(answer))}</b>")
    lines.append(f"Meeting number {meeting.id}; the calendar file follows.")
    return "\n".join(lines)


ANSWER_LABEL = {"yes": "I will attend", "no": "I will not attend", "maybe": "Not sure"}


def member_name(member: Member) -> str:
    return f"{esc(member.name)} ({esc(member.code)})"


def action_line(row: ActionView, today: date, language: str = "en") -> str:
    status = row.status.replace("_", " ")
    head = f"<b>#{row.id}</b> {esc(row.title)} — {esc(row.member_name)} ({esc(row.member_code)})"
    if row.overdue(today):
        return f"{head}, {status}, <b>OVERDUE</b>: {was_due(row.due_date, today, language)}"
    return f"{head}, due {short_day(row.due_date, language)}, {status}"
