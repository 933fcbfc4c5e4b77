"""A meeting as an iCalendar file (RFC 5545) that Outlook and Google Calendar open.

The UID stays the meeting's for its whole life and SEQUENCE rises with every change, so a moved or
cancelled meeting updates the copy people already have instead of adding a second one.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress

from storage.models import Meeting, MeetingStatus

PRODID = "-//GFMD//Friends of the Forum assistant//EN"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


def meeting_calendar(
    meeting: Meeting,
    *,
    method: str = "PUBLISH",
    organizer_email: str,
    attendee_email: str | None = None,
    attendee_name: str | None = None,
) -> bytes:
    """The meeting as a VCALENDAR with one VEVENT, its VTIMEZONE and a reminder a day before.

    `method` is PUBLISH (a file to open), REQUEST (an invitation: needs `attendee_email`) or
    CANCEL (same UID, raised sequence, status cancelled).
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    zone = ZoneInfo(meeting.timezone)
    cancelled = method == "CANCEL" or meeting.status == MeetingStatus.CANCELLED
    event = Event.new(
        uid=meeting.uid,
        summary=meeting.title,
        start=meeting.starts_at.astimezone(zone),
        end=meeting.ends_at.astimezone(zone),
        location=meeting.location or None,
        description=meeting.agenda or None,
        organizer=_address(organizer_email, "GFMD Friends of the Forum"),
        sequence=meeting.sequence,
        stamp=meeting.updated_at or meeting.created_at or meeting.starts_at,
        status="CANCELLED" if cancelled else "CONFIRMED",
    )
    if attendee_email:
        attendee = _address(attendee_email, attendee_name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)
    if not cancelled:
        alarm = Alarm.new(description=f"Tomorrow: {meeting.title}")
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    # Calendar.new adds a random calendar UID; drop it so the same meeting gives the same bytes.
    calendar.pop("UID", None)
    first = meeting.starts_at.date() - timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=date(first.year + 3, 1, 1))
    return calendar.to_ical()


def _address(email: str, name: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address
