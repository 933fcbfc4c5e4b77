"""Reminders, updates and cancellations, derived from the database at every sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.mail.delivery import deliver_due
from bot.mail.reminders import sweep
from bot.offline import Fault
from bot.services import open_services
from storage.models import Meeting, OutboxStatus, Person
from storage.outbox import SUPERSEDED
from tests.mail_fixtures import (
    EMAILS,
    JOSE_TELEGRAM,
    answer,
    calendars,
    cancel_meeting,
    move_meeting,
    parsed,
    parts,
    rows,
    seed,
)

FOCAL_POINTS = {EMAILS[n] for n in ("anne", "jose", "mikko", "rahim", "maria")}
TROIKA = {EMAILS[n] for n in ("anne", "luc", "jose")}
STEERING = {EMAILS[n] for n in ("anne", "luc", "jose", "mikko")}


def email_recipients(found, prefix: str) -> set[str]:
    return {r.recipient for r in found if r.key.startswith(prefix) and r.channel == "email"}


async def test_first_sweep_reminds_each_audience_on_its_days(services, clock):
    sample = await seed(services, invited=True)
    added = await sweep(services, clock.now())
    found = await rows(services)
    # The Forum (audience all) starts in exactly 7 days: the 7-day reminder to every focal point
    assert email_recipients(found, f"reminder:{sample.forum}:7:0:") == FOCAL_POINTS
    # The troika meeting is in 3 days: its 7-day window is open, to the troika's people only
    assert email_recipients(found, f"reminder:{sample.troika}:7:0:") == TROIKA
    # The steering group meets in 18 days: nothing yet
    assert email_recipients(found, f"reminder:{sample.steering}:") == set()
    # Finland's pilot is due on Thursday, Bangladesh's study was due on Saturday
    assert email_recipients(found, f"action:{sample.pilot}:soon:2007-07-05:") == {EMAILS["mikko"]}
    assert email_recipients(found, f"action:{sample.study}:overdue:2007-06-30:") == {
        EMAILS["rahim"]}
    # José is linked in Telegram: his reminders go there too
    telegram = [r for r in found[sample.invitations:] if r.channel == "telegram"]
    assert {r.recipient for r in telegram} == {str(JOSE_TELEGRAM)}
    assert {r.key for r in telegram} == {f"telegram:reminder:{sample.forum}:7:0:"
                                         f"{sample.people['jose']}",
                                         f"telegram:reminder:{sample.troika}:7:0:"
                                         f"{sample.people['jose']}"}
    assert added == len(found) - sample.invitations == 5 + 3 + 1 + 1 + 2


async def test_steering_audience_and_the_one_day_reminder(services, clock):
    sample = await seed(services, invited=True)
    clock.set(datetime(2007, 7, 13, 8, 0, tzinfo=UTC))  # 7 days before the steering group
    await sweep(services, clock.now())
    found = await rows(services)
    assert email_recipients(found, f"reminder:{sample.steering}:7:0:") == STEERING
    clock.set(datetime(2007, 7, 19, 8, 0, tzinfo=UTC))
    await sweep(services, clock.now())
    found = await rows(services)
    assert email_recipients(found, f"reminder:{sample.steering}:1:0:") == STEERING


async def test_after_downtime_only_the_latest_window_is_sent(services, clock):
    sample = await seed(services, invited=True)
    clock.set(datetime(2007, 7, 8, 12, 0, tzinfo=UTC))  # asleep since before the 7-day mark
    await sweep(services, clock.now())
    found = await rows(services)
    assert email_recipients(found, f"reminder:{sample.forum}:1:0:") == FOCAL_POINTS
    assert email_recipients(found, f"reminder:{sample.forum}:7:") == set()
    # meetings already over are never reminded about
    assert email_recipients(found, f"reminder:{sample.troika}:") == set()


async def test_no_duplicates_after_a_second_sweep_or_a_restart(services, settings, clock):
    sample = await seed(services, invited=True)
    first = await sweep(services, clock.now())
    assert first > 0
    assert await sweep(services, clock.now()) == 0
    clock.advance(timedelta(minutes=1))
    assert await sweep(services, clock.now()) == 0
    await deliver_due(services, clock.now())
    # a restart: new services (new engine, new sessions) on the same database
    async with open_services(settings, FixedClock(clock.now()), migrate=False) as restarted:
        assert await sweep(restarted, clock.now()) == 0
        assert (await deliver_due(restarted, clock.now())).attempted == 0
    assert len(await rows(services)) == first + sample.invitations


async def test_reminder_message_opens_with_what_when_where_and_has_the_invitation(
    services, clock, mail_sink
):
    sample = await seed(services, invited=True)
    await answer(services, sample.forum, sample.people["anne"], "yes")
    await sweep(services, clock.now())
    report = await deliver_due(services, clock.now())
    assert report.failed == 0 and report.retry == 0
    by_rcpt = {rcpt[0]: parsed(raw) for _, rcpt, raw in mail_sink.received}
    assert len(by_rcpt) == len(FOCAL_POINTS | TROIKA | {EMAILS["mikko"], EMAILS["rahim"]})
    for message in by_rcpt.values():  # every message parses and has both parts
        leaves = parts(message)
        assert "text/plain" in leaves and "text/html" in leaves
        assert len(message.get_all("To")) == 1 and message["Bcc"] is None
    forum_to_jose = [m for r, m in by_rcpt.items() if r == EMAILS["jose"]]
    # José has two reminders (Forum, troika) but one recipient address: check the Forum one
    jose = next(m for _, rcpt, raw in mail_sink.received if rcpt == [EMAILS["jose"]]
                for m in [parsed(raw)] if "Global Forum" in m["Subject"])
    assert forum_to_jose
    text = jose.get_body(("plain",)).get_content()
    head = text.split("Agenda")[0]
    assert "What:  Global Forum" in head
    # when: in José's zone (Manila, 15:00) and in the meeting's (Brussels, 09:00)
    assert "15:00 (Manila time)" in head and "09:00 local time in Brussels" in head
    assert "Where: Brussels, Egmont Palace" in head
    assert "not yet said whether you will attend" in head
    anne = next(parsed(raw) for _, rcpt, raw in mail_sink.received
                if rcpt == [EMAILS["anne"]] and "Global Forum" in parsed(raw)["Subject"])
    # Anne reads French: her answer so far, in her language
    assert "Votre réponse jusqu'à présent : oui, je participerai." in anne.get_body(
        ("plain",)).get_content()
    # the calendar: once as a text/calendar alternative (method=REQUEST), once as invite.ics
    leaves = parts(jose)
    [alternative, attachment] = leaves["text/calendar"]
    assert alternative.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    for calendar in calendars(jose):
        [event] = calendar.events
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == "global-forum@gfmd.example"
        assert event["SEQUENCE"] == 0
        assert event.start == datetime(2007, 7, 9, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
        assert event.end == datetime(2007, 7, 11, 19, 0, tzinfo=ZoneInfo("Europe/Brussels"))
        assert "jose.santos@example.org" in str(event["ATTENDEE"])
        assert event["ATTENDEE"].params["RSVP"] == "TRUE"
        assert str(event["ORGANIZER"]) == "mailto:secretariat@gfmd.example"
        [alarm] = event.walk("VALARM")
        assert alarm["TRIGGER"].dt == -timedelta(days=1)


async def test_moved_meeting_gets_an_update_with_higher_sequence_and_no_stale_reminder(
    services, clock, mail_sink
):
    sample = await seed(services, invited=True)
    await sweep(services, clock.now())  # 7-day reminders queued, not yet sent
    await move_meeting(services, sample.forum, timedelta(days=1))  # to 10 July
    clock.advance(timedelta(minutes=1))
    await sweep(services, clock.now())
    found = await rows(services)
    stale = [r for r in found if r.key.startswith(f"reminder:{sample.forum}:7:0:")]
    assert stale and {r.status for r in stale} == {SUPERSEDED}
    assert email_recipients(found, f"update:{sample.forum}:1:") == FOCAL_POINTS
    # the update, inside the 7-day window, is that window's reminder: no second message
    assert email_recipients(found, f"reminder:{sample.forum}:7:1:") == set()
    await deliver_due(services, clock.now())
    forum_mail = [parsed(raw) for _, _, raw in mail_sink.received
                  if "Global Forum" in parsed(raw)["Subject"]]
    assert len(forum_mail) == len(FOCAL_POINTS)
    changed = {EMAILS["anne"]: "Modifiée : ", EMAILS["maria"]: "Modificada: "}
    for message in forum_mail:
        reader = message["To"].addresses[0].addr_spec
        assert message["Subject"].startswith(f"{changed.get(reader, 'Changed: ')}Global Forum")
        for calendar in calendars(message):
            [event] = calendar.events
            assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 1
            assert event.start == datetime(2007, 7, 10, 9, 0,
                                           tzinfo=ZoneInfo("Europe/Brussels"))
    # nothing more at the next sweep; the 1-day reminder carries the new SEQUENCE
    assert await sweep(services, clock.now()) == 0
    clock.set(datetime(2007, 7, 9, 8, 0, tzinfo=UTC))
    await sweep(services, clock.now())
    assert email_recipients(await rows(services), f"reminder:{sample.forum}:1:1:") == \
        FOCAL_POINTS


async def test_cancelled_meeting_sends_cancel_once(services, clock, mail_sink):
    sample = await seed(services, invited=True)
    await sweep(services, clock.now())
    await deliver_due(services, clock.now())
    mail_sink.received.clear()
    await cancel_meeting(services, sample.troika)
    await sweep(services, clock.now())
    assert await sweep(services, clock.now()) == 0
    await deliver_due(services, clock.now())
    cancels = [parsed(raw) for _, _, raw in mail_sink.received]
    assert {m["To"].addresses[0].addr_spec for m in cancels} == TROIKA
    for message in cancels:
        cancelled = "Annulée : " if message["To"].addresses[0].addr_spec == EMAILS["anne"] \
            else "Cancelled: "
        assert message["Subject"].startswith(f"{cancelled}Troika meeting")
        assert parts(message)["text/calendar"][0].get_param("method") == "CANCEL"
        for calendar in calendars(message):
            [event] = calendar.events
            assert calendar["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
            assert event["SEQUENCE"] == 1


async def test_remind_only_those_who_have_not_answered(services, clock):
    sample = await seed(services, invited=True)
    async with services.sessions.begin() as session:
        meeting = await session.get(Meeting, sample.forum)
        meeting.remind_unanswered_only = True
    await answer(services, sample.forum, sample.people["maria"], "no")
    await sweep(services, clock.now())
    assert email_recipients(await rows(services), f"reminder:{sample.forum}:") == \
        FOCAL_POINTS - {EMAILS["maria"]}


async def test_person_who_turned_reminders_off_gets_none(services, clock):
    sample = await seed(services, invited=True)
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["rahim"])).reminders = False
    await sweep(services, clock.now())
    # (his invitation went out when the meetings were scheduled)
    queued = (await rows(services))[sample.invitations:]
    assert queued and EMAILS["rahim"] not in {r.recipient for r in queued}


async def test_telegram_reminder_and_blocked_user(services, clock, bot):
    sample = await seed(services, invited=True)
    await sweep(services, clock.now())
    bot.request.fail("sendMessage", Fault(403, "Forbidden: bot was blocked by the user"))
    report = await deliver_due(services, clock.now(), telegram_bot=bot.app.bot)
    sent = bot.request.sent("sendMessage", chat_id=JOSE_TELEGRAM)
    assert len(sent) == 2
    assert any("Reminder: Global Forum" in c.text for c in sent)
    assert report.failed == 1
    async with services.sessions() as session:
        jose = await session.get(Person, sample.people["jose"])
        assert jose.telegram_unreachable is True
    failed = [r for r in await rows(services, "telegram:") if r.status == OutboxStatus.FAILED]
    assert len(failed) == 1 and "blocked" in failed[0].last_error
    # once unreachable, nothing more is queued for Telegram
    clock.set(datetime(2007, 7, 8, 8, 0, tzinfo=UTC))
    await sweep(services, clock.now())
    assert email_recipients(await rows(services), f"reminder:{sample.forum}:1:0:") == FOCAL_POINTS
    assert await rows(services, f"telegram:reminder:{sample.forum}:1:") == []


async def test_hostile_names_are_encoded_never_injected(services, clock, mail_sink):
    sample = await seed(services, invited=True)
    async with services.sessions.begin() as session:
        anne = await session.get(Person, sample.people["anne"])
        anne.name = "Anne\r\nBcc: spy@evil.example Dupont-Ç"
        meeting = await session.get(Meeting, sample.forum)
        meeting.title = "Forum\nBcc: spy@evil.example <script>"
    await sweep(services, clock.now())
    await deliver_due(services, clock.now())
    for _, rcpt, raw in mail_sink.received:
        assert rcpt != ["spy@evil.example"]
        message = parsed(raw)
        assert message["Bcc"] is None
        assert "\n" not in str(message["Subject"]) and "\n" not in str(message["To"])
        html = message.get_body(("html",)).get_content()
        assert "<script>" not in html
    mine = next(parsed(raw) for _, rcpt, raw in mail_sink.received
                if rcpt == [EMAILS["anne"]] and "Forum" in parsed(raw)["Subject"])
    assert mine["To"].addresses[0].display_name == "Anne Bcc: spy@evil.example Dupont-Ç"
    assert "=?utf-8?" in next(raw for _, rcpt, raw in mail_sink.received
                              if rcpt == [EMAILS["anne"]]).decode()


# PTB itself warns when it builds RetryAfter (int vs timedelta transition); not our code
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_limit_is_a_temporary_failure(services, clock, bot):
    await seed(services, invited=True)
    await sweep(services, clock.now())
    bot.request.fail("sendMessage", Fault(429, "Too Many Requests: retry after 5",
                                          retry_after=5))
    report = await deliver_due(services, clock.now(), telegram_bot=bot.app.bot)
    assert report.retry == 1 and report.failed == 0
    [waiting] = [r for r in await rows(services, "telegram:") if r.status == "pending"]
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    assert (await deliver_due(services, clock.now(), telegram_bot=bot.app.bot)).sent == 1
