"""The calendar: queries for everyone, attendance, and meeting administration."""

from datetime import timedelta

from icalendar import Calendar
from sqlmodel import select

from storage.models import Attendance, Meeting
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    DELEGATE,
    GROUP_CHAT,
    JAN,
    LIISA,
    MARIA,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    texts,
)


async def meeting_row(services, meeting_id):
    async with services.sessions() as session:
        return await session.get(Meeting, meeting_id)


async def test_next_shows_the_steering_group_in_brussels_time(bot, data):
    text = await ask(bot, DELEGATE, "/next")
    assert "Steering group" in text and "Thu 5 Jul 2007, 14:00 – 16:00 (Brussels)" in text
    assert "your time" not in text  # not linked: no personal zone
    assert f"/meeting {data.steering}" in text


async def test_next_adds_the_readers_own_zone(bot, data):
    text = await ask(bot, ANA, "/next")
    assert "your time Thu 5 Jul 2007, 07:00 – 09:00 (Mexico City)" in text


async def test_meetings_lists_upcoming_only_in_order(bot, data):
    text = await ask(bot, DELEGATE, "/meetings")
    assert text.index("Steering group") < text.index("Global Forum") < text.index("Troika")
    assert "June" not in text


async def test_meetings_when_there_are_none(bot):
    assert "None." in await ask(bot, DELEGATE, "/meetings")
    assert "No meetings are scheduled" in await ask(bot, DELEGATE, "/next")


async def test_meeting_sends_details_and_a_calendar_file(bot, data):
    calls = await bot.send(DELEGATE, f"/meeting {data.summit}")
    check_sane(calls)
    assert [c.method for c in calls] == ["sendMessage", "sendDocument"]
    assert "Egmont Palace" in calls[0].text and calls[0].buttons == []  # not linked: no buttons
    name, content = calls[1].files["document"]
    assert name == f"gfmd-meeting-{data.summit}.ics"
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["UID"]) == "Global Forum on Migration and Development@test"
    assert event.decoded("DTSTART").hour == 9  # local time, with its VTIMEZONE
    assert "TZID=Europe/Brussels" in content.decode()


async def test_linked_contact_answers_and_changes_the_answer(bot, services, data):
    calls = await bot.send(ANA, f"/meeting {data.summit}")
    assert [d for _, d in calls[0].buttons] == [f"att:{data.summit}:yes", f"att:{data.summit}:no",
                                                f"att:{data.summit}:maybe"]
    calls = await bot.click(ANA, f"att:{data.summit}:yes")
    check_sane(calls)
    assert "Saved: I will attend" in texts(calls)
    assert calls[-1].method == "editMessageReplyMarkup"
    await bot.click(ANA, f"att:{data.summit}:maybe")
    async with services.sessions() as session:
        rows = (await session.exec(select(Attendance))).all()
    assert [(r.person_id is not None, r.answer) for r in rows] == [(True, "maybe")]
    assert "Your answer: <b>Not sure</b>" in await ask(bot, ANA, f"/meeting {data.summit}")


async def test_answers_close_when_the_meeting_starts(bot, services, clock, data):
    clock.advance(timedelta(days=3, hours=6))  # 5 July 13:00 UTC: steering group started
    calls = await bot.click(JAN, f"att:{data.steering}:yes")
    assert "already started" in texts(calls)
    async with services.sessions() as session:
        assert (await session.exec(select(Attendance))).all() == []


async def test_steering_meeting_only_for_steering_members(bot, data):
    rahim_is_unlinked = await ask(bot, DELEGATE, f"/meeting {data.steering}")
    assert "steering group" in rahim_is_unlinked
    # Ghana is not in the steering group: its contacts get no buttons; Belgium's do.
    calls = await bot.send(JAN, f"/meeting {data.steering}")
    assert calls[0].buttons
    calls = await bot.click(ANA, f"att:{data.troika}:yes")  # Mexico holds no troika seat
    assert "not open to the members you represent" in texts(calls)


async def test_attendance_report_by_member_with_unanswered(bot, data):
    await bot.click(JAN, f"att:{data.steering}:yes")
    await bot.click(LIISA, f"att:{data.steering}:no")
    text = await ask(bot, ADMIN, f"/attendance {data.steering}")
    assert "• Belgium — Jan Peeters: I will attend" in text
    assert "• Finland — Liisa Virtanen: I will not attend" in text
    assert "Not answered yet (2)" in text and "Mexico" in text and "Philippines" in text
    assert "Bangladesh" not in text  # not invited


async def test_addmeeting_schedules_and_audits(bot, services, data):
    text = await ask(bot, ADMIN, "/addmeeting 2007-10-02 10:00 Asia/Manila | Steering group "
                                 "in Manila | Manila | steering")
    assert "Scheduled" in text and "Tue 2 Oct 2007, 10:00 – 12:00 (Manila)" in text
    async with services.sessions() as session:
        meeting = (await session.exec(select(Meeting).where(
            Meeting.title == "Steering group in Manila"))).one()
    assert meeting.starts_at.hour == 2 and meeting.audience == "steering"
    assert meeting.kind == "steering" and meeting.sequence == 0
    entry = (await audits(services, "meeting.add"))[-1]
    assert entry.actor == str(ADMIN["id"]) and entry.after["location"] == "Manila"


async def test_addmeeting_rejects_bad_input_and_changes_nothing(bot, services, data):
    cases = {
        "/addmeeting 2007-10-02 10:00 Mars/Olympus | T | L | all": "is not a time zone",
        "/addmeeting 2007-02-30 10:00 UTC | T | L | all": "30 February 2007 does not exist.",
        "/addmeeting 2007-10-02 10:00 UTC | T | L": "I need 4 fields",
        "/addmeeting 2007-10-02 10:00 UTC | T | L | everyone": "is not a valid audience",
        "/addmeeting 2007-03-25 02:30 Europe/Brussels | T | L | all": "does not exist",
        "/addmeeting 2007-06-01 10:00 UTC | T | L | all": "already passed",
        "/addmeeting 2007-10-02 10:00 UTC |  | L | all": "title is missing",
    }
    for command, problem in cases.items():
        text = await ask(bot, ADMIN, command)
        assert problem in text, (command, text)
    async with services.sessions() as session:
        assert len((await session.exec(select(Meeting))).all()) == 4


async def test_movemeeting_raises_the_sequence(bot, services, data):
    text = await ask(bot, ADMIN, f"/movemeeting {data.troika} 2007-07-23 16:00")
    assert "Moved" in text and "Mon 23 Jul 2007, 16:00 – 17:00" in text
    meeting = await meeting_row(services, data.troika)
    assert (meeting.status, meeting.sequence, meeting.starts_at.hour) == ("moved", 1, 14)
    assert (await audits(services, "meeting.move"))[-1].before["sequence"] == 0


async def test_cancelmeeting_needs_confirmation(bot, services, data):
    calls = await bot.send(ADMIN, f"/cancelmeeting {data.troika}")
    assert ("Yes, cancel it", f"cxm:{data.troika}") in calls[0].buttons
    assert (await meeting_row(services, data.troika)).status == "scheduled"
    calls = await bot.click(ADMIN, "cxm:no")
    assert "Nothing was cancelled" in texts(calls)
    calls = await bot.click(ADMIN, f"cxm:{data.troika}")
    check_sane(calls)
    meeting = await meeting_row(services, data.troika)
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    assert "CANCELLED" in await ask(bot, ADMIN, f"/meeting {data.troika}")
    again = await bot.click(ADMIN, f"cxm:{data.troika}")
    assert "is cancelled" in texts(again)
    assert len(await audits(services, "meeting.cancel")) == 1


async def test_cancel_confirmation_from_a_non_admin_is_refused(bot, services, data):
    calls = await bot.click(MARIA, f"cxm:{data.troika}")
    assert "only administrators" in texts(calls)
    assert (await meeting_row(services, data.troika)).status == "scheduled"
    assert (await audits(services, "denied"))[-1].subject == "cancelmeeting"


async def test_group_chat_gets_public_queries_but_no_admin_changes(bot, services, data):
    assert "Steering group" in await ask(bot, JAN, "/meetings", chat_id=GROUP_CHAT)
    text = await ask(bot, ADMIN, "/cancelmeeting 3", chat_id=GROUP_CHAT)
    assert "private chat" in text
