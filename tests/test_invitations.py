"""Invitations on time (issue 12): scheduling a meeting invites its audience at the next sweep
(within a minute), reminders carry the invitation's UID and SEQUENCE, a move and a cancel reach
exactly the people who were invited, an audience change invites newcomers and cancels for those
who left, the .ics carries the person's answer, and each reader gets the mail in their language
with one-click answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import select

from bot.config import Settings, load_settings
from bot.mail.delivery import deliver_due
from bot.mail.invitations import told_by_person
from bot.mail.reminders import sweep
from bot.mailsink import MailSink
from bot.scheduling import SWEEP_INTERVAL
from storage.models import Meeting
from tests.conftest import ADMIN, ADMIN_ID
from tests.mail_fixtures import EMAILS, JOSE_TELEGRAM, answer, calendars, parsed, rows, seed

PUBLIC_URL = "https://fof.gfmd.example"
TROIKA = {EMAILS[n] for n in ("anne", "luc", "jose")}
STEERING = {EMAILS[n] for n in ("anne", "luc", "jose", "mikko")}


@pytest.fixture
def settings(database_url: str, mail_sink: MailSink) -> Settings:
    """As the suite's settings, with the HTTP front's address: mail carries its links."""
    return load_settings(
        _env_file=None, database_url=database_url, admin_ids=[ADMIN_ID],
        mail_from="secretariat@gfmd.example", smtp_host="127.0.0.1", smtp_port=mail_sink.port,
        smtp_tls="none", timezone="Europe/Brussels", public_url=PUBLIC_URL,
        secret_key="a test secret that is long enough to sign links",
    )


def delivered(mail_sink: MailSink) -> dict[str, list[EmailMessage]]:
    """Recipient address -> the messages the sink received for it, in order."""
    found: dict[str, list[EmailMessage]] = {}
    for _, rcpt, raw in mail_sink.received:
        found.setdefault(rcpt[0], []).append(parsed(raw))
    return found


def keyed(found, prefix: str) -> set[str]:
    return {r.recipient for r in found if r.key.startswith(prefix) and r.channel == "email"}


async def meeting_titled(services, title: str) -> Meeting:
    async with services.sessions() as session:
        return (await session.exec(select(Meeting).where(Meeting.title == title))).one()


async def sweep_and_deliver(services, clock, mail_sink,
                            about: str = "") -> dict[str, list[EmailMessage]]:
    """Sweep, deliver, and what was received about the meeting titled `about`, by recipient
    (the sample's other meetings and actions have reminders and notices of their own)."""
    mail_sink.received.clear()
    await sweep(services, clock.now())
    report = await deliver_due(services, clock.now())
    assert report.failed == 0 and report.retry == 0
    found = {rcpt: [m for m in messages if about in str(m["Subject"])]
             for rcpt, messages in delivered(mail_sink).items()}
    return {rcpt: messages for rcpt, messages in found.items() if messages}


async def test_an_invitation_arrives_within_a_minute_of_addmeeting(services, bot, clock,
                                                                   mail_sink):
    sample = await seed(services, invited=True)
    calls = await bot.send(ADMIN, "/addmeeting 2007-07-30 10:00 Europe/Brussels | "
                                  "Troika debrief | Brussels | troika")
    assert any("Scheduled" in c.text for c in calls if c.method == "sendMessage")
    meeting = await meeting_titled(services, "Troika debrief")
    # the sweep runs every minute: the next one after /addmeeting sends the invitations
    assert SWEEP_INTERVAL <= timedelta(minutes=1)
    clock.advance(SWEEP_INTERVAL)
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink)
    invited = {r: m for r, ms in by_rcpt.items() for m in ms if "Troika debrief" in m["Subject"]}
    assert set(invited) == TROIKA  # the troika's people, no one else
    for address, message in invited.items():
        [calendar, _attachment] = calendars(message)
        [event] = calendar.events
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == meeting.uid and event["SEQUENCE"] == 0
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
        assert str(event["ATTENDEE"]) == f"mailto:{address}"
    english = invited[EMAILS["luc"]]
    assert english["Subject"] == "Invitation: Troika debrief, Monday, 30 July 2007"
    assert invited[EMAILS["anne"]]["Subject"] == "Invitation : Troika debrief, lundi " \
                                                 "30 juillet 2007"
    text = english.get_body(("plain",)).get_content()
    assert "You are invited to this meeting." in text
    # José is linked in Telegram: the invitation reaches him there too
    tg = await rows(services, f"telegram:invite:{meeting.id}:0:{sample.people['jose']}")
    assert [r.recipient for r in tg] == [str(JOSE_TELEGRAM)]
    # queued at the first sweep after the meeting was made, and only once
    for row in await rows(services, f"invite:{meeting.id}:"):
        assert row.created_at - meeting.created_at <= timedelta(minutes=1)
    assert await sweep(services, clock.now()) == 0


async def test_a_meeting_in_the_past_gets_no_invitation(services, clock):
    sample = await seed(services)
    clock.set(datetime(2007, 7, 9, 8, 0, tzinfo=UTC))  # the Forum started an hour ago
    await sweep(services, clock.now())
    found = await rows(services)
    assert keyed(found, f"invite:{sample.forum}:") == set()
    assert keyed(found, f"invite:{sample.troika}:") == set()  # over since 5 July
    assert keyed(found, f"invite:{sample.steering}:") == STEERING  # 20 July: still to come


async def test_move_and_cancel_reach_exactly_the_invited(services, bot, clock, mail_sink):
    sample = await seed(services, invited=True)  # invited to the steering group a month ago
    steering = sample.steering
    # The audience changes and the meeting moves before the next sweep: Mexico joins the
    # steering group (María is a newcomer), Finland leaves it (Mikko was invited, now not).
    for command in ("/steering add MX", "/steering remove FI",
                    f"/movemeeting {steering} 2007-07-21 10:00"):
        await bot.send(ADMIN, command)
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Steering group")
    found = await rows(services)
    assert keyed(found, f"update:{steering}:1:") == STEERING - {EMAILS["mikko"]}
    assert keyed(found, f"invite:{steering}:1:") == {EMAILS["maria"]}  # an invitation, not
    assert keyed(found, f"cancel:{steering}:1:") == {EMAILS["mikko"]}  # an update
    assert EMAILS["rahim"] not in by_rcpt  # never invited, never told
    [maria] = by_rcpt[EMAILS["maria"]]
    assert maria["Subject"].startswith("Invitación: Steering group")
    [mikko] = by_rcpt[EMAILS["mikko"]]
    assert mikko["Subject"].startswith("No longer invited: Steering group")
    assert "You are no longer invited to this meeting." in mikko.get_body(
        ("plain",)).get_content()
    for calendar in calendars(mikko):
        [event] = calendar.events
        assert calendar["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == "steering-group@gfmd.example"
    # Finland comes back: Mikko is invited again (a second round), not updated
    await bot.send(ADMIN, "/steering add FI")
    clock.advance(SWEEP_INTERVAL)
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Steering group")
    assert set(by_rcpt) == {EMAILS["mikko"]}
    assert by_rcpt[EMAILS["mikko"]][0]["Subject"].startswith("Invitation: Steering group")
    # The meeting is called off: the cancellation goes to everyone invited now, no one else
    calls = await bot.send(ADMIN, f"/cancelmeeting {steering}")
    [(data, message_id)] = [(d, int(c.params.get("message_id") or 1)) for c in calls
                            for _, d in c.buttons if d == f"cxm:{steering}"]
    await bot.click(ADMIN, data, message_id=message_id)
    clock.advance(SWEEP_INTERVAL)
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Steering group")
    assert set(by_rcpt) == STEERING | {EMAILS["maria"]}
    for messages in by_rcpt.values():
        [message] = messages
        for calendar in calendars(message):
            assert calendar["METHOD"] == "CANCEL" and calendar.events[0]["SEQUENCE"] == 2
    assert keyed(await rows(services), f"cancel:{steering}:2:") == set(by_rcpt)
    assert await sweep(services, clock.now()) == 0


async def test_reminders_keep_the_invitations_uid_and_sequence(services, bot, clock,
                                                              mail_sink):
    await seed(services, invited=True)
    await bot.send(ADMIN, "/addmeeting 2007-07-20 15:00 Europe/Brussels | "
                          "Friends of the Forum: budget | Brussels | all")
    meeting = await meeting_titled(services, "Friends of the Forum: budget")
    invitations = await sweep_and_deliver(services, clock, mail_sink, "budget")
    clock.set(datetime(2007, 7, 13, 14, 0, tzinfo=UTC))  # the 7-day window opens
    reminders = await sweep_and_deliver(services, clock, mail_sink, "budget")
    luc_is_not_a_focal_point = EMAILS["luc"]
    assert set(invitations) == set(reminders) == set(EMAILS.values()) - {
        luc_is_not_a_focal_point}
    for address, [reminder] in reminders.items():
        [invitation] = invitations[address]
        sent, later = calendars(invitation)[0].events[0], calendars(reminder)[0].events[0]
        assert str(sent["UID"]) == str(later["UID"]) == meeting.uid
        assert sent["SEQUENCE"] == later["SEQUENCE"] == 0
        assert calendars(reminder)[0]["METHOD"] == "REQUEST"
    # a reminder (not an invitation) can be turned off in one click (RFC 8058)
    [mikko_reminder] = reminders[EMAILS["mikko"]]
    assert mikko_reminder["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/unsubscribe/")
    assert mikko_reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [mikko_invitation] = invitations[EMAILS["mikko"]]
    assert mikko_invitation["List-Unsubscribe-Post"] is None


async def test_partstat_follows_the_answer(services, clock, mail_sink):
    sample = await seed(services, invited=True)
    for person, value in (("anne", "yes"), ("luc", "no"), ("jose", "maybe")):
        await answer(services, sample.steering, sample.people[person], value)
    clock.set(datetime(2007, 7, 13, 8, 0, tzinfo=UTC))  # 7 days before the steering group
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Steering group")
    expected = {"anne": "ACCEPTED", "luc": "DECLINED", "jose": "TENTATIVE",
                "mikko": "NEEDS-ACTION"}
    for person, partstat in expected.items():
        [message] = by_rcpt[EMAILS[person]]
        for calendar in calendars(message):
            assert calendar.events[0]["ATTENDEE"].params["PARTSTAT"] == partstat
    luc = by_rcpt[EMAILS["luc"]][0].get_body(("plain",)).get_content()
    assert "Your answer so far: no, I will not attend." in luc


async def test_the_update_shows_old_and_new_time_in_the_readers_zone(services, bot, clock,
                                                                     mail_sink):
    sample = await seed(services, invited=True)
    await bot.send(ADMIN, f"/movemeeting {sample.troika} 2007-07-06 11:00")  # from 5 July 14:00
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Troika")
    [jose] = by_rcpt[EMAILS["jose"]]  # in Manila, six hours ahead of Brussels
    assert jose["Subject"] == "Changed: Troika meeting, Friday, 6 July 2007"
    text = " ".join(jose.get_body(("plain",)).get_content().split())
    assert "Was: Thursday, 5 July 2007, 20:00 (Manila time)" in text
    assert ("The meeting has been moved from Thursday, 5 July 2007, 20:00 (Manila time) to "
            "Friday, 6 July 2007, 17:00 (Manila time).") in text
    html = jose.get_body(("html",)).get_content()
    assert "<s>Thursday, 5 July 2007, 20:00 (Manila time)</s>" in html
    [anne] = by_rcpt[EMAILS["anne"]]  # in Brussels, in French
    text = " ".join(anne.get_body(("plain",)).get_content().split())
    assert ("La réunion a été déplacée du jeudi 5 juillet 2007, 14:00 (heure : Bruxelles) au "
            "vendredi 6 juillet 2007, 11:00 (heure : Bruxelles).") in text
    # Telegram says it too
    [tg] = await rows(services, "telegram:update:")
    assert "Was: Thursday, 5 July 2007, 20:00 (Manila time)" in tg.body


async def test_french_and_spanish_meeting_reminders(services, clock, mail_sink):
    await seed(services, invited=True)
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Global Forum")  # 7-day
    [anne], [maria] = by_rcpt[EMAILS["anne"]], by_rcpt[EMAILS["maria"]]
    assert anne["Subject"] == "Rappel : Global Forum, lundi 9 juillet 2007"
    assert anne["Content-Language"] == "fr" and maria["Content-Language"] == "es"
    assert maria["Subject"].startswith("Recordatorio: Global Forum, lunes")
    french = anne.get_body(("plain",)).get_content()
    assert "Lieu : Brussels, Egmont Palace" in french and "Ordre du jour :" in french
    assert "Participerez-vous ?" in french
    assert f"Oui : {PUBLIC_URL}/rsvp/" in french and french.count("Participerez-vous") == 1
    spanish = maria.get_body(("plain",)).get_content()
    assert "Lugar: Brussels, Egmont Palace" in spanish and "¿Asistirá?" in spanish
    assert f"Quizás: {PUBLIC_URL}/rsvp/" in spanish
    # the hours: María in Mexico City, and the meeting's own
    assert "lunes, 9 de julio de 2007, 02:00 (hora de Ciudad de México)" in spanish
    assert "09:00, hora local en Bruselas" in spanish
    html = maria.get_body(("html",)).get_content()
    assert '<html lang="es">' in html
    assert html.count("¿Asistirá?") == 1 and "<strong>" not in html.split("<hr")[0]
    assert f'<a href="{PUBLIC_URL}/rsvp/' in html and "answer=yes" in html
    # our own lines in the .ics follow the reader's language too
    [alarm] = calendars(maria)[0].events[0].walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == "Mañana: Global Forum"
    [alarm] = calendars(anne)[0].events[0].walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == "Demain : Global Forum"


async def test_a_change_before_the_invitation_left_is_no_news_to_anyone(services, bot, clock,
                                                                        mail_sink):
    await seed(services, invited=True)
    await bot.send(ADMIN, "/addmeeting 2007-07-30 10:00 Europe/Brussels | "
                          "Troika debrief | Brussels | troika")
    meeting = await meeting_titled(services, "Troika debrief")
    await sweep(services, clock.now())  # invitations queued; the relay has not taken them yet
    await bot.send(ADMIN, f"/movemeeting {meeting.id} 2007-07-31 10:00")
    clock.advance(SWEEP_INTERVAL)
    # the stale invitations are parked, and the new ones are invitations, not updates from a
    # time nobody was told
    by_rcpt = await sweep_and_deliver(services, clock, mail_sink, "Troika debrief")
    assert set(by_rcpt) == TROIKA
    for [message] in by_rcpt.values():
        assert message["Subject"].startswith(("Invitation: ", "Invitation : "))
        assert calendars(message)[0].events[0]["SEQUENCE"] == 1
    found = await rows(services)
    assert keyed(found, f"update:{meeting.id}:") == set()
    assert {r.status for r in found if r.key.startswith(f"invite:{meeting.id}:0:")} == {
        "superseded"}
    # scheduled and called off before anything went out: no cancellation for anyone
    await bot.send(ADMIN, "/addmeeting 2007-08-01 10:00 Europe/Brussels | "
                          "Short-lived | Brussels | troika")
    short = await meeting_titled(services, "Short-lived")
    await sweep(services, clock.now())
    calls = await bot.send(ADMIN, f"/cancelmeeting {short.id}")
    [(data, message_id)] = [(d, int(c.params.get("message_id") or 1)) for c in calls
                            for _, d in c.buttons if d == f"cxm:{short.id}"]
    await bot.click(ADMIN, data, message_id=message_id)
    clock.advance(SWEEP_INTERVAL)
    assert await sweep_and_deliver(services, clock, mail_sink, "Short-lived") == {}
    assert keyed(await rows(services), f"cancel:{short.id}:") == set()


def test_who_was_told_what_reads_the_keys_in_order():
    at = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)
    later = at + timedelta(minutes=1)
    told = told_by_person({
        "invite:1:0:5": at, "cancel:1:0:5": at, "invite:1:0:5:1": at,  # left, came back
        "invite:1:0:6": at, "update:1:1:6": later, "cancel:1:1:6": later,  # left after a move
        "reminder:1:7:0:7": at,  # told before invitations existed: invited all the same
        "telegram:invite:1:0:8": at, "digest:2007-07-02:8": at,  # not the record
    })
    assert set(told) == {5, 6, 7}
    assert told[5].invited and (told[5].invites, told[5].cancels) == (2, 1)
    assert not told[6].invited and told[6].sequence == 1 and told[6].cancels == 1
    assert told[7].invited and told[7].invites == 0 and told[7].sequence == 0
    assert told[6].announced == {0: at, 1: later}
