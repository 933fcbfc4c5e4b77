"""How meetings, members and action items read in replies (HTML, user text escaped), in the
reader's language (`bot.i18n.current()`, set by the guard) with dates written its way."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.dates import locale_for, short_day, short_moment, zone_name
from bot.i18n import N_, _, current, n_
from handlers.common import esc
from storage.actions import ActionView
from storage.meetings import MeetingLine
from storage.models import Meeting, MeetingStatus, Member
from storage.people import Viewer

# Shown through _() (these keys are also the values commands and buttons carry).
AUDIENCE_LABEL = {"all": N_("all Friends"), "steering": N_("steering group"),
                  "troika": N_("troika")}
ANSWER_LABEL = {"yes": N_("I will attend"), "no": N_("I will not attend"),
                "maybe": N_("Not sure")}
STATUS_LABEL = {"open": N_("open"), "in_progress": N_("in progress"), "done": N_("done"),
                "cancelled": N_("cancelled")}


# (this year, another year)
DUE_DAY_PATTERNS = {"en": ("EEEE d MMMM", "EEEE d MMMM y"),
                    "es": ("EEEE d 'de' MMMM", "EEEE d 'de' MMMM 'de' y")}


def label(labels: dict[str, str], key: str) -> str:
    """A value's label in the reader's language (an unknown value as it is, escaped)."""
    return _(labels[key]) if key in labels else esc(key)


def when(meeting: Meeting | MeetingLine, viewer: Viewer) -> str:
    """Start and end in the meeting's zone, and in the reader's when that differs."""
    reader_zone = viewer.timezone if viewer.is_linked else None
    return _when(meeting.starts_at, meeting.ends_at, meeting.timezone, reader_zone, current())


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, ends_at: datetime, zone: str, reader_zone: str | None,
          language: str) -> str:
    """Pure, so kept: a list shows the same meetings to readers in a few dozen zones."""
    text = f"{_span(starts_at, ends_at, zone, language)} ({esc(zone_name(zone, language))})"
    if reader_zone is not None and reader_zone != zone:
        mine = (f"{_span(starts_at, ends_at, reader_zone, language)} "
                f"({esc(zone_name(reader_zone, language))})")
        text = _("{meeting_time}; your time {your_time}", meeting_time=text, your_time=mine)
    return text


def _span(starts_at: datetime, ends_at: datetime, zone: str, language: str) -> str:
    """'Mon 9 Jul 2007, 09:00 – 11:00' in `zone` (the end's date too when it differs)."""
    tz = ZoneInfo(zone)
    same_day = starts_at.astimezone(tz).date() == ends_at.astimezone(tz).date()
    end = short_moment(ends_at, zone, language, with_date=not same_day)
    return f"{short_moment(starts_at, zone, language)} – {end}"


def status_mark(meeting: Meeting | MeetingLine) -> str:
    if meeting.status == MeetingStatus.CANCELLED:
        return " " + _("<b>CANCELLED</b>")
    if meeting.status == MeetingStatus.MOVED:
        return " " + _("<i>(moved)</i>")
    return ""


def meeting_line(meeting: Meeting | MeetingLine, viewer: Viewer) -> str:
    place = esc(meeting.location) if meeting.location else _("place to be announced")
    return (f"<b>#{meeting.id}</b> {esc(meeting.title)}{status_mark(meeting)}\n"
            f"  {when(meeting, viewer)}\n  {place} · {label(AUDIENCE_LABEL, meeting.audience)}")


def meeting_details(meeting: Meeting, viewer: Viewer, answer: str | None) -> str:
    lines = [
        f"<b>{esc(meeting.title)}</b>{status_mark(meeting)}",
        _("When: {when}", when=when(meeting, viewer)),
        _("Where: {place}", place=esc(meeting.location)) if meeting.location
        else _("Where: to be announced"),
        _("For: {audience}", audience=label(AUDIENCE_LABEL, meeting.audience)),
    ]
    if meeting.agenda:
        lines.append(_("Agenda: {agenda}", agenda=esc(meeting.agenda)))
    if answer:
        lines.append(_("Your answer: <b>{answer}</b>", answer=label(ANSWER_LABEL, answer)))
    lines.append(_("Meeting number {number}; the calendar file follows.", number=meeting.id))
    return "\n".join(lines)


def member_name(member: Member) -> str:
    return f"{esc(member.name)} ({esc(member.code)})"


def action_line(row: ActionView, today: date, language: str | None = None) -> str:
    """One action item; dates in `language` (the reader's, by default)."""
    language = language or current()
    status = label(STATUS_LABEL, row.status)
    item = f"<b>#{row.id}</b> {esc(row.title)} — {esc(row.member_name)} ({esc(row.member_code)})"
    if row.overdue(today):
        days = (today - row.due_date).days
        return n_("{item}, {status}, <b>OVERDUE</b>: was due on {day} ({count} day ago)",
                  "{item}, {status}, <b>OVERDUE</b>: was due on {day} ({count} days ago)",
                  days, item=item, status=status, day=_due_day(row.due_date, today, language))
    return _("{item}, due {day}, {status}", item=item, day=short_day(row.due_date, language),
             status=status)


def _due_day(due: date, today: date, language: str) -> str:
    """'Friday 29 June' ('vendredi 29 juin', 'viernes 29 de junio'), with the year when it is
    not this year's."""
    return _day_in(due, due.year != today.year, language)


@lru_cache(maxsize=4096)
def _day_in(due: date, with_year: bool, language: str) -> str:
    """Babel's formatting, kept: a list of action items shows the same few hundred days."""
    pattern = DUE_DAY_PATTERNS.get(language, DUE_DAY_PATTERNS["en"])[with_year]
    return format_date(due, pattern, locale=locale_for(language))
