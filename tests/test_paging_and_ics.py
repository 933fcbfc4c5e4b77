"""Long lists are paged with buttons; the meeting's .ics file."""

from datetime import UTC, datetime

from icalendar import Calendar

from bot.ics import meeting_calendar
from handlers.common import paginate
from storage.models import Meeting, Member
from storage.regions import un_member_states
from tests.conftest import DEMO_NOW
from tests.fixtures_bot import DELEGATE, check_sane, texts


async def test_members_of_all_193_states_are_paged(bot, services):
    async with services.sessions.begin() as session:
        session.add_all([Member(code=s.code, name=f"{s.name} — {', '.join(s.aliases)}",
                                region=s.region, created_at=DEMO_NOW)
                         for s in un_member_states().values()])
    calls = await bot.send(DELEGATE, "/members")
    check_sane(calls)
    first = calls[0]
    assert "<b>Members</b> (193)" in first.text and len(first.text) <= 3500
    labels = [label for label, _ in first.buttons]
    assert labels[0].startswith("1 / ") and labels[-1] == "Next ▶"
    total = int(labels[0].split("/ ")[1])
    assert total >= 2
    seen = [first.text]
    for page in range(1, total):
        calls = await bot.click(DELEGATE, f"pg:1:{page}")
        check_sane(calls)
        edit = next(c for c in calls if c.method == "editMessageText")
        assert edit.buttons[0] == ("◀ Previous", f"pg:1:{page - 1}")
        seen.append(edit.text)
    joined = "\n".join(seen)
    assert all(f"({code})" in joined for code in un_member_states())
    assert "expired" in texts(await bot.click(DELEGATE, "pg:77:0"))


def test_paginate_cuts_overlong_lines():
    pages = paginate(["a" * 5000, "b", "c" * 10], limit=100)
    assert all(len(p) <= 100 for p in pages) and pages[-1].endswith("c" * 10)


def _meeting(**kw) -> Meeting:
    values = dict(id=7, title="Roundtable 2: remittances", uid="rt2@gfmd.example",
                  starts_at=datetime(2007, 7, 10, 12, 30, tzinfo=UTC),
                  ends_at=datetime(2007, 7, 10, 14, tzinfo=UTC), timezone="Europe/Brussels",
                  location="Egmont Palace", sequence=3, status="moved",
                  updated_at=datetime(2007, 7, 2, 7, tzinfo=UTC))
    values.update(kw)
    return Meeting(**values)


def test_ics_request_has_organizer_attendee_sequence_and_alarm():
    content = meeting_calendar(_meeting(), method="REQUEST", organizer_email="sec@gfmd.example",
                               attendee_email="ana.garcia@sre.example.mx")
    calendar = Calendar.from_ical(content)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == "rt2@gfmd.example" and int(event["SEQUENCE"]) == 3
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (14, 30, "Europe/Brussels")
    assert str(event["ORGANIZER"]) == "mailto:sec@gfmd.example"
    assert str(event["ATTENDEE"]) == "mailto:ana.garcia@sre.example.mx"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Brussels"
    alarm = event.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER").days == -1
    assert content == meeting_calendar(_meeting(), method="REQUEST",
                                       organizer_email="sec@gfmd.example",
                                       attendee_email="ana.garcia@sre.example.mx")


def test_ics_cancel_keeps_the_uid():
    content = meeting_calendar(_meeting(status="cancelled", sequence=4), method="CANCEL",
                               organizer_email="sec@gfmd.example")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED" and str(event["UID"]) == "rt2@gfmd.example"
    assert int(event["SEQUENCE"]) == 4 and event.walk("VALARM") == []
    assert b"METHOD:CANCEL" in content


def test_ics_utc_meeting_and_bad_method():
    content = meeting_calendar(_meeting(timezone="UTC"), organizer_email="sec@gfmd.example")
    assert b"DTSTART:20070710T123000Z" in content
    try:
        meeting_calendar(_meeting(), method="PUBLISHX", organizer_email="s@x.org")
    except ValueError as error:
        assert "method" in str(error)
    else:
        raise AssertionError("a wrong method must be refused")
