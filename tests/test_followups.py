"""Follow-ups of round 4: every attendance answer audited alike (Telegram buttons, RSVP link,
calendar reply) and told as a sentence in /audit; the inbox's bounce entries told too; two
first answers at the same moment leave one row; a settings change by link or mail names the
contact by number (the column holds 40 characters, addresses can be longer); the
List-Unsubscribe mailto of reminders turns reminders off, not the digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sqlmodel import select

from bot.audit_text import AuditLine, sentence
from bot.mail.digest import build_digests
from bot.mail.inbound.parse import CalendarReply, Unsubscribe, classify, read_message
from bot.mail.mime import compose
from bot.mail.reminders import sweep
from bot.ops import inbound
from bot.ops.subscriptions import unsubscribe
from storage import meetings
from storage.audit import AuditAction
from storage.models import Answer, Attendance, Meeting, Person
from tests.fixtures_bot import ADMIN, ANA, ask, audits, data_fixture  # noqa: F401
from tests.mail_fixtures import EMAILS, NOW
from tests.mail_fixtures import seed as mail_seed
from tests.test_mail_languages import delivered, linked_fixture  # noqa: F401

AT = datetime(2007, 7, 2, 8, 0, tzinfo=UTC)
REMINDERS = "<mailto:secretariat@gfmd.example?subject=unsubscribe%20reminders>"
DIGEST = "<mailto:secretariat@gfmd.example?subject=unsubscribe>"


def line(action: str, actor: str, subject: str, before=None, after=None) -> AuditLine:
    return AuditLine(AT, actor, action, subject, "", who="Jan Peeters (5002)", before=before,
                     after=after)


def test_audit_tells_answers_and_bounces_as_sentences():
    link = line(AuditAction.MEETING_ANSWER, "person:7", "3 Global Forum", {"answer": None},
                {"answer": "yes", "via": "link", "person": "Ana García", "email": "a@b.example"})
    assert sentence(link, "UTC", "en") == \
        "Ana García answered yes for Global Forum (by the link in the email)"
    assert sentence(link, "UTC", "fr") == \
        "Ana García a répondu oui pour Global Forum (par le lien du courriel)"
    assert sentence(link, "UTC", "es") == \
        "Ana García respondió sí para Global Forum (mediante el enlace del correo electrónico)"
    buttons = line(AuditAction.MEETING_ANSWER, "5002", "3 Global Forum", {"answer": "yes"},
                   {"answer": "maybe", "via": "telegram", "person": "Jan", "email": "j@b"})
    assert sentence(buttons, "UTC", "en") == \
        "Jan Peeters (5002) answered maybe for Global Forum (with the buttons in Telegram)"
    older = line(AuditAction.ATTENDANCE_ANSWER, "mail", "3 Anne Martin", None,
                 {"answer": "no", "via": "calendar reply"})
    assert sentence(older, "UTC", "en") == \
        "Anne Martin answered no for meeting #3 (by a calendar reply)"
    bounced = AuditLine(AT, "mail", AuditAction.ADDRESS_BOUNCES, "x@y.example", "",
                        who="the secretariat’s inbox",
                        after={"reason": "5.1.1 no such user", "severity": "permanent"})
    assert sentence(bounced, "UTC", "en") == \
        "the secretariat’s inbox stopped mail to x@y.example: it bounces (5.1.1 no such user)"
    assert "x@y.example" in sentence(bounced, "UTC", "fr")


async def answers(services) -> list[tuple[str, str | None, str, str]]:
    return [(e.actor, (e.before or {}).get("answer"), e.after["answer"], e.after["via"])
            for e in await audits(services, AuditAction.MEETING_ANSWER)]


async def test_telegram_answers_are_audited_like_the_other_ways(bot, services, data):
    await bot.click(ANA, f"att:{data.summit}:yes")
    await bot.click(ANA, f"att:{data.summit}:yes")  # unchanged: nothing written
    await bot.click(ANA, f"att:{data.summit}:maybe")
    assert await answers(services) == [("5001", None, "yes", "telegram"),
                                       ("5001", "yes", "maybe", "telegram")]
    assert "Ana García: Not sure" in await ask(bot, ADMIN, f"/attendance {data.summit}")
    shown = await ask(bot, ADMIN, "/audit 5")
    assert "answered maybe for Global Forum" in shown and "(with the buttons in Telegram)" \
        in shown


async def test_a_calendar_reply_writes_the_same_action(services, clock):
    sample = await mail_seed(services)
    async with services.sessions() as session:
        uid = (await session.get(Meeting, sample.forum)).uid
    reply = CalendarReply(EMAILS["anne"], EMAILS["anne"], uid, "yes")
    await inbound.record_reply(services, reply)
    await inbound.record_reply(services, reply)  # the same reply again: no second entry
    [entry] = await audits(services, AuditAction.MEETING_ANSWER)
    assert entry.actor == f"person:{sample.people['anne']}"
    assert entry.after["via"] == "calendar reply" and entry.after["answer"] == "yes"
    assert entry.after["email"] == EMAILS["anne"]
    assert not await audits(services, AuditAction.ATTENDANCE_ANSWER)


async def test_two_first_answers_at_once_leave_one_row(services, clock):
    sample = await mail_seed(services)
    person = sample.people["anne"]
    both_read = asyncio.Barrier(2)

    async def first_answer(answer: Answer) -> None:
        async with services.sessions.begin() as session:
            assert await meetings.answer_of(session, sample.forum, person) is None
            await both_read.wait()  # both saw no answer before either writes
            await meetings.set_attendance(session, meeting_id=sample.forum, person_id=person,
                                          answer=answer, now=clock.now())

    await asyncio.gather(first_answer(Answer.YES), first_answer(Answer.NO))
    async with services.sessions() as session:
        rows = (await session.exec(select(Attendance).where(
            Attendance.meeting_id == sample.forum, Attendance.person_id == person))).all()
    assert len(rows) == 1 and rows[0].answer in ("yes", "no")


async def test_a_change_by_mail_names_the_contact_not_a_long_address(services, clock):
    sample = await mail_seed(services)
    person_id = sample.people["rahim"]
    long_address = "rahim.uddin.director.general." + "x" * 15 + "@mofa.example.bd"
    assert len(long_address) == 60
    async with services.sessions.begin() as session:
        person = await session.get(Person, person_id)
        person.email, person.telegram_id = long_address, None
        session.add(person)
    assert await unsubscribe(services, person_id, "digest", via="mail")  # PostgreSQL accepts it
    [entry] = await audits(services, AuditAction.SETTINGS_CHANGE)
    assert entry.actor == f"person:{person_id}"
    assert entry.subject == f"{long_address} digest" and entry.after["via"] == "mail"
    told = sentence(AuditLine(entry.at, entry.actor, entry.action, entry.subject, "",
                              who="contact", before=entry.before, after=entry.after), "UTC", "en")
    assert told == f"{long_address} changed their digest setting by mail: digest: weekly → off"


def header_of(kind: str | None, settings) -> str:
    extra = {} if kind is None else {"unsubscribe_kind": kind}
    message = compose(settings, key="k", to_address="a@example.org", to_name="A", subject="S",
                      text="T", now=NOW, **extra)
    return message["List-Unsubscribe"]


async def reminders_to_rahim(linked, mail_sink) -> list:
    await sweep(linked, NOW)
    sent = await delivered(linked, mail_sink, EMAILS["rahim"])
    assert any("Feasibility study" in m["Subject"] for m in sent)  # the action notice
    return sent


async def test_the_unsubscribe_mailto_names_the_kind_of_mail(services, linked, mail_sink):
    assert header_of("reminders", services.settings) == REMINDERS
    assert header_of("digest", services.settings) == DIGEST
    assert header_of(None, services.settings) == DIGEST
    await mail_seed(services)
    sent = await reminders_to_rahim(linked, mail_sink)
    headers = {m["Subject"].partition(":")[0]: m["List-Unsubscribe"] for m in sent}
    # the invitation (a meeting mail, built as reminders are) and the action notice
    assert set(headers) == {"Invitation", "Overdue, was due Saturday, 30 June 2007"}
    assert headers["Invitation"] == REMINDERS  # no one-click link: the invitation keeps coming
    assert headers["Overdue, was due Saturday, 30 June 2007"].endswith(f">, {REMINDERS}")
    await build_digests(linked, NOW, only_email=EMAILS["rahim"])
    [digest] = [m for m in await delivered(linked, mail_sink, EMAILS["rahim"])
                if m not in sent and "digest" in m["Subject"]]
    assert digest["List-Unsubscribe"].endswith(f", {DIGEST}")


async def test_a_mailed_unsubscribe_from_a_reminder_turns_reminders_off(services, linked,
                                                                       mail_sink):
    sample = await mail_seed(services)
    [notice, *_rest] = await reminders_to_rahim(linked, mail_sink)
    mailto = notice["List-Unsubscribe"].rpartition("<mailto:")[2].rstrip(">")
    address, _sep, query = mailto.partition("?")
    subject = parse_qs(query)["subject"][0]  # what a mail client writes
    raw = (f"From: Rahim <{EMAILS['rahim']}>\r\nTo: {address}\r\nSubject: {subject}\r\n"
           f"Message-ID: <u@x>\r\n\r\n\r\n").encode()
    request = classify(read_message(raw))
    assert request == Unsubscribe(EMAILS["rahim"], "reminders")
    assert await inbound.record_unsubscribe(services, request) == "reminders turned off by mail"
    async with services.sessions() as session:
        rahim = await session.get(Person, sample.people["rahim"])
    assert (rahim.digest, rahim.reminders) == ("weekly", False)
