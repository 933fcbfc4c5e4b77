"""A meeting as an iCalendar file (RFC 5545 / iTIP RFC 5546) that Outlook and Google Calendar add.

UID stays the meeting's for its whole life; SEQUENCE is the meeting's and rises on every change,
so a client replaces the event it already has. Times are written in the meeting's own zone with
its VTIMEZONE, so the event shows the right hour wherever the reader is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # icalendar itself is loaded when a file is first built, not at start
    from icalendar import Event, vCalAddress

from bot.i18n import _
from storage.models import Meeting, MeetingStatus

PRODID = "-//GFMD Friends of the Forum//fof-bot//EN"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")
PARTSTAT = {"yes": "ACCEPTED", "no": "DECLINED", "maybe": "TENTATIVE"}
FEED_REFRESH = timedelta(hours=1)  # how often calendar apps are asked to fetch a feed again


def organizer(settings) -> str:  # settings: bot.config.Settings
    """The ORGANIZER of our calendar files: FOF_MAIL_FROM, else a placeholder (a calendar file
    needs one, whether mail is sent or not)."""
    return settings.mail_from or "secretariat@gfmd.example"


def _address(email: str, **params: str) -> vCalAddress:
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{email}")
    for name, value in params.items():
        address.params[name] = value
    return address


def partstat(answer: str | None) -> str:
    """The person's known answer as iCalendar's PARTSTAT (none yet: NEEDS-ACTION)."""
    return PARTSTAT.get(answer or "", "NEEDS-ACTION")


def _attendee(method: str, email: str, name: str | None, answer: str | None) -> vCalAddress:
    """The recipient as an ATTENDEE; a request carries their answer so far and asks for it
    (RSVP), so a calendar that already knows it does not ask again as if it did not."""
    params = {"ROLE": "REQ-PARTICIPANT", "CUTYPE": "INDIVIDUAL"}
    if method == "REQUEST":
        params |= {"PARTSTAT": partstat(answer), "RSVP": "TRUE"}
    if name:
        params["CN"] = name
    return _address(email, **params)


def meeting_event(meeting: Meeting, organizer_email: str) -> Event:
    """The meeting as one VEVENT in its own zone: UID, SEQUENCE, organizer, no attendee."""
    from icalendar import Event

    zone = ZoneInfo(meeting.timezone)
    stamp = (meeting.updated_at or meeting.created_at or datetime.now(UTC)).astimezone(UTC)
    return Event.new(
        uid=meeting.uid,
        summary=meeting.title,
        start=meeting.starts_at.astimezone(zone),
        end=meeting.ends_at.astimezone(zone),
        location=meeting.location or None,
        description=meeting.agenda or None,
        organizer=_address(organizer_email, CN="GFMD Friends of the Forum"),
        sequence=meeting.sequence,
        stamp=stamp,
        status="CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED",
    )


def meeting_calendar(
    meeting: Meeting,
    *,
    method: str = "PUBLISH",
    organizer_email: str,
    attendee_email: str | None = None,
    attendee_name: str | None = None,
    answer: str | None = None,
) -> bytes:
    """The meeting as a VCALENDAR with one VEVENT; a cancelled meeting is always METHOD:CANCEL.

    REQUEST and CANCEL name the organizer and, when given, the recipient as an ATTENDEE (with
    their `answer` as PARTSTAT and RSVP for a request), as iTIP wants; PUBLISH is the plain
    file for downloads. A CANCEL for a meeting that still takes place is the one sent to
    someone who left its audience (RFC 5546, 4.2.8): their copy of the event is cancelled.
    The texts we write (the alarm) are in the language of the moment (`bot.i18n.using`).
    """
    from icalendar import Alarm, Calendar

    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    cancelled = meeting.status == MeetingStatus.CANCELLED
    if cancelled:
        method = "CANCEL"
    event = meeting_event(meeting, organizer_email)
    if method == "CANCEL" and not cancelled:
        event.pop("STATUS", None)
        event.add("status", "CANCELLED")
        event.add("comment", _("You are no longer invited to this meeting."))
    if attendee_email is not None and method != "PUBLISH":
        event.add("attendee", _attendee(method, attendee_email, attendee_name, answer))
    if method != "CANCEL":
        event.add_component(
            Alarm.new_display(description=_("Tomorrow: {title}", title=meeting.title),
                              trigger=timedelta(days=-1))
        )
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    calendar.pop("UID", None)  # a random calendar UID would make every rendering differ
    # Transitions for a year either side are enough, and keep the file small.
    start_day = meeting.starts_at.date()
    calendar.add_missing_timezones(
        first_date=start_day - timedelta(days=366), last_date=start_day + timedelta(days=366)
    )
    return calendar.to_ical()


def feed_calendar(
    meetings: list[Meeting],
    *,
    name: str,
    organizer_email: str,
    attendee_email: str | None = None,
    attendee_name: str | None = None,
    answers: dict[int, str] | None = None,
) -> bytes:
    """A subscription feed (METHOD:PUBLISH, many VEVENTs) that calendar apps poll.

    With an attendee, each event names them with their answer as PARTSTAT (yes ACCEPTED, no
    DECLINED, maybe TENTATIVE, none NEEDS-ACTION).
    """
    from icalendar import Calendar

    events = []
    for meeting in meetings:
        event = meeting_event(meeting, organizer_email)
        if attendee_email is not None:
            answer = (answers or {}).get(meeting.id or 0)
            params = {"ROLE": "REQ-PARTICIPANT", "CUTYPE": "INDIVIDUAL",
                      "PARTSTAT": partstat(answer)}
            if attendee_name:
                params["CN"] = attendee_name
            event.add("attendee", _address(attendee_email, **params))
        events.append(event)
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", name=name,
                            refresh_interval=FEED_REFRESH, subcomponents=events)
    calendar.pop("UID", None)
    if meetings:
        calendar.add_missing_timezones(
            first_date=min(m.starts_at for m in meetings).date() - timedelta(days=366),
            last_date=max(m.starts_at for m in meetings).date() + timedelta(days=366))
    return calendar.to_ical()
