"""Meetings as they are (issue 8, point 5): an end and an agenda, in the command and the guided
form; a warning when a meeting overlaps another of the same audience; dates that do not exist
named as such; /movemeeting keeps the length; /meeting and the .ics show the end and agenda."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlmodel import select

from storage.models import Meeting
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)


def utc(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2007, month, day, hour, minute, tzinfo=UTC)


async def by_title(services, title: str) -> Meeting | None:
    async with services.sessions() as session:
        return (await session.exec(select(Meeting).where(Meeting.title == title))).first()


async def test_a_meeting_over_several_days(bot, services, data):
    text = await ask(bot, ADMIN, "/addmeeting 2007-07-16 09:00 - 2007-07-18 18:00 "
                                 "Europe/Brussels | Forum follow-up | Brussels | all")
    assert "Scheduled:" in text
    assert "Mon 16 Jul 2007, 09:00 – Wed 18 Jul 2007, 18:00 (Brussels)" in text
    meeting = await by_title(services, "Forum follow-up")
    assert (meeting.starts_at, meeting.ends_at) == (utc(16, 7), utc(18, 16))
    assert meeting.agenda == "" and "Warning" not in text
    after = (await audits(services, "meeting.add"))[-1].after
    assert datetime.fromisoformat(after["ends_at"]) == utc(18, 16)


@pytest.mark.parametrize("when", ["2007-10-02 10:00 - 12:30", "2007-10-02 10:00-12:30",
                                  "2007-10-02 10:00 – 12:30"])
async def test_an_end_on_the_same_day(bot, services, data, when):
    text = await ask(bot, ADMIN, f"/addmeeting {when} Asia/Manila | Budget | Manila | steering")
    assert "Tue 2 Oct 2007, 10:00 – 12:30 (Manila)" in text
    meeting = await by_title(services, "Budget")
    assert meeting.ends_at - meeting.starts_at == (utc(2, 4, 30, 10) - utc(2, 2, 0, 10))


async def test_without_an_end_a_meeting_lasts_two_hours(bot, services, data):
    await ask(bot, ADMIN, "/addmeeting 2007-10-02 10:00 Asia/Manila | Budget | Manila | steering")
    meeting = await by_title(services, "Budget")
    assert (meeting.starts_at, meeting.ends_at) == (utc(2, 2, month=10), utc(2, 4, month=10))


async def test_the_agenda_is_the_fifth_field_and_shows_in_meeting_and_ics(bot, services, data):
    await ask(bot, ADMIN, "/addmeeting 2007-10-02 10:00 - 12:30 Asia/Manila | Budget | Manila | "
                          "all | Budget 2008; work plan <draft>")
    meeting = await by_title(services, "Budget")
    assert meeting.agenda == "Budget 2008; work plan <draft>"
    calls = await bot.send(ANA, f"/meeting {meeting.id}")
    check_sane(calls)
    details = calls[0].text
    assert "Agenda: Budget 2008; work plan &lt;draft&gt;" in details
    assert "Tue 2 Oct 2007, 10:00 – 12:30 (Manila)" in details
    [document] = [c for c in calls if c.method == "sendDocument"]
    [(_name, content)] = document.files.values()
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == utc(2, 2, month=10)
    assert event.decoded("DTEND") == utc(2, 4, 30, month=10)
    assert str(event["DESCRIPTION"]) == "Budget 2008; work plan <draft>"


@pytest.mark.parametrize("command, problem", [
    ("/addmeeting 2007-10-02 10:00 - 09:00 UTC | T | L | all",
     "The end (2007-10-02 09:00) must be after the start (2007-10-02 10:00)."),
    ("/addmeeting 2007-10-02 10:00 - 10:00 UTC | T | L | all", "must be after the start"),
    ("/addmeeting 2007-10-02 10:00 - 2007-10-01 18:00 UTC | T | L | all",
     "must be after the start"),
    ("/addmeeting 2007-10-02 10:00 - 2007-11-02 18:00 UTC | T | L | all",
     "A meeting lasts at most 14 days; check the end date."),
    ("/addmeeting 2007-10-02 10:00 - 25:00 UTC | T | L | all", "“25:00” is not a time"),
    ("/addmeeting 2007-10-02 10:00 - UTC | T | L | all", "“UTC” is not a time"),
    ("/addmeeting 2007-10-02 10:00 - 2007-02-30 12:00 UTC | T | L | all",
     "30 February 2007 does not exist."),
    ("/addmeeting 2007-02-29 10:00 UTC | T | L | all", "29 February 2007 does not exist."),
    ("/addmeeting 2007-04-31 10:00 UTC | T | L | all", "31 April 2007 does not exist."),
    ("/addmeeting 2007-13-02 10:00 UTC | T | L | all", "there is no month 13"),
    ("/addmeeting 2007-10-02 10:00 | T | L | all", "give the time zone"),
    ("/addmeeting 2007-10-02 10:00 UTC | T | L | all | A | B", "I need 4 fields"),
    ("/addmeeting 2007-03-25 01:00 - 02:30 Europe/Brussels | T | L | all",
     "2007-03-25 02:30 does not exist in Europe/Brussels (clock change)"),
])
async def test_bad_spans_are_refused_with_one_sentence(bot, services, data, command, problem):
    before = await snapshot_db(services)
    text = await ask(bot, ADMIN, command)
    assert problem in text.split("\n")[0], text
    assert text.split("\n")[1].startswith("Use: <code>/addmeeting")
    assert await snapshot_db(services) == before


async def test_dates_that_do_not_exist_are_named_everywhere(bot, services, data):
    before = await snapshot_db(services)
    text = await ask(bot, ADMIN, "/addaction FI 2007-02-29 Pilot")
    assert text.startswith("29 February 2007 does not exist.\nUse: ")
    text = await ask(bot, ADMIN, f"/movemeeting {data.troika} 2007-06-31 10:00")
    assert text.startswith("31 June 2007 does not exist.\nUse: ")
    await ask(bot, ADMIN, "/addmeeting")
    assert await ask(bot, ADMIN, "2008-02-30 10:00") == \
        "30 February 2008 does not exist. Please try again, or send /cancel."
    await ask(bot, ADMIN, "/cancel")
    assert await snapshot_db(services) == before


async def test_overlap_with_the_same_audience_warns_but_adds(bot, services, data):
    text = await ask(bot, ADMIN, "/addmeeting 2007-07-10 12:00 - 14:00 Europe/Brussels | "
                                 "Side event | Egmont Palace | all")
    assert "Scheduled:" in text
    assert f"⚠️ Warning: this overlaps <b>#{data.summit}</b> Global Forum on Migration and " \
           "Development (Mon 9 Jul 2007, 09:00 – Wed 11 Jul 2007, 18:00 (Brussels)" in text
    assert await by_title(services, "Side event") is not None
    # Another audience at the same time, or a meeting right after another: no warning.
    text = await ask(bot, ADMIN, "/addmeeting 2007-07-10 12:00 - 14:00 Europe/Brussels | "
                                 "Steering lunch | Egmont Palace | steering")
    assert "Warning" not in text and await by_title(services, "Steering lunch") is not None
    text = await ask(bot, ADMIN, "/addmeeting 2007-07-05 16:00 Europe/Brussels | "
                                 "Steering follow-up | Brussels | steering")
    assert "Warning" not in text  # the steering group ends at 16:00 Brussels time


async def test_a_cancelled_meeting_does_not_count_as_an_overlap(bot, services, data):
    await bot.send(ADMIN, f"/cancelmeeting {data.troika}")
    await bot.click(ADMIN, f"cxm:{data.troika}")
    text = await ask(bot, ADMIN, "/addmeeting 2007-07-20 15:00 Europe/Brussels | Troika again | "
                                 "Telephone | troika")
    assert "Scheduled:" in text and "Warning" not in text


async def test_movemeeting_keeps_the_length_and_warns_of_overlaps(bot, services, data):
    text = await ask(bot, ADMIN, f"/movemeeting {data.summit} 2007-07-16 09:00")
    assert "Moved:" in text and "Mon 16 Jul 2007, 09:00 – Wed 18 Jul 2007, 18:00" in text
    summit = await by_title(services, "Global Forum on Migration and Development")
    assert (summit.starts_at, summit.ends_at) == (utc(16, 7), utc(18, 16))
    text = await ask(bot, ADMIN, f"/movemeeting {data.troika} 2007-07-17 10:00")
    assert "Warning" not in text  # the troika's audience is not the Forum's
    await ask(bot, ADMIN, "/addmeeting 2007-07-24 10:00 UTC | Friends, July | Brussels | all")
    added = await by_title(services, "Friends, July")
    text = await ask(bot, ADMIN, f"/movemeeting {added.id} 2007-07-17 10:00")
    assert f"this overlaps <b>#{data.summit}</b> Global Forum" in text


async def test_the_form_asks_for_the_end_and_the_agenda(bot, services, data):
    await ask(bot, ADMIN, "/addmeeting")
    await ask(bot, ADMIN, "2007-10-02 10:00")
    calls = await bot.click(ADMIN, "form:Asia/Manila")
    assert "(3/7) When does it end?" in texts(calls)
    assert ("skip", "form:skip") in calls[-1].buttons
    text = await ask(bot, ADMIN, "09:30")
    assert text == ("The end (2007-10-02 09:30) must be after the start (2007-10-02 10:00). "
                    "Please try again, or send /cancel.")
    assert "is not a date" in await ask(bot, ADMIN, "2007-10-0 12:00")
    assert "(4/7) What is the title?" in await ask(bot, ADMIN, "2007-10-03 12:30")
    await ask(bot, ADMIN, "Budget retreat")
    await ask(bot, ADMIN, "Tagaytay")
    calls = await bot.click(ADMIN, "form:steering")
    assert "(7/7) What is on the agenda?" in texts(calls)
    assert ("skip", "form:skip") in calls[-1].buttons
    text = await ask(bot, ADMIN, "Budget 2008; work plan")
    assert "Scheduled:" in text and "Tue 2 Oct 2007, 10:00 – Wed 3 Oct 2007, 12:30" in text
    meeting = await by_title(services, "Budget retreat")
    assert meeting.ends_at == utc(3, 4, 30, month=10) and meeting.agenda == \
        "Budget 2008; work plan"
    assert meeting.audience == "steering" and meeting.location == "Tagaytay"


async def test_the_form_with_skips_makes_a_two_hour_meeting_and_warns(bot, services, data):
    await ask(bot, ADMIN, "/addmeeting")
    await ask(bot, ADMIN, "2007-07-10 15:00")
    await bot.click(ADMIN, "form:Europe/Brussels")
    await bot.click(ADMIN, "form:skip")
    await ask(bot, ADMIN, "Side event")
    await ask(bot, ADMIN, "Egmont Palace")
    await bot.click(ADMIN, "form:all")
    text = texts(await bot.click(ADMIN, "form:skip"))
    assert "Tue 10 Jul 2007, 15:00 – 17:00 (Brussels)" in text
    assert f"Warning: this overlaps <b>#{data.summit}</b>" in text
    meeting = await by_title(services, "Side event")
    assert meeting.ends_at - meeting.starts_at == utc(1, 2) - utc(1, 0) and meeting.agenda == ""
