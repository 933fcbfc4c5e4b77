"""The secretariat's inbox, read from a real Dovecot on 127.0.0.1 (tests/imap_server.py):
bounces (RFC 3464 and plain-text ones) against the VERP address of a delivered digest,
auto-replies ignored, calendar replies from Outlook, Gmail and Apple Calendar, mailed
unsubscribes, nothing handled twice after a restart, and what administrators see."""

from __future__ import annotations

import asyncio
import base64
import quopri
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.cli import _secrets
from bot.config import ConfigError, Mailbox, load_settings
from bot.mail.delivery import deliver_due
from bot.mail.digest import build_digests
from bot.mail.inbound import parse, worker
from bot.mail.inbound.mailbox import HANDLED, HANDLED_FOLDER, MailboxReader
from bot.mail.operator import outbox_cli
from bot.offline import user
from bot.scheduling import start_background
from bot.services import Services
from bot.startup import settings_line
from storage.audit import AuditAction
from storage.bounces import BOUNCED, HELD
from storage.models import Attendance, Bounce, Meeting, OutboxMessage, Person, UndeliverableAddress
from tests.conftest import ADMIN
from tests.fixtures_bot import ask, audits
from tests.imap_server import (  # noqa: F401  (fixtures)
    append,
    flags_of,
    imap_mailbox_fixture,
    imap_server_fixture,
)
from tests.mail_fixtures import EMAILS, JOSE_TELEGRAM, Sample, seed

FIXTURES = Path(__file__).parent / "fixtures"
VERP = re.compile(r"^secretariat\+b([0-9]+)x[0-9a-f]{10}@gfmd\.example$")


def fixture(name: str, **values: str) -> bytes:
    """A message from tests/fixtures with its @@PLACEHOLDERS@@ filled, lines ending CRLF."""
    def filled(text: str) -> str:
        for key, value in values.items():
            text = text.replace(f"@@{key.upper()}@@", value)
        return text

    def embedded(found: re.Match) -> str:
        content = filled((FIXTURES / found[2]).read_text()).replace("\n", "\r\n").encode()
        if found[1] == "BASE64":
            return base64.encodebytes(content).decode().rstrip("\n")
        if found[1] == "QP":
            return quopri.encodestring(content).decode().rstrip("\n")
        return content.decode().rstrip("\r\n")

    text = re.sub(r"@@(BASE64|QP|TEXT):([a-z_.]+)@@", embedded,
                  filled((FIXTURES / name).read_text()))
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def read_from(services: Services, mailbox: Mailbox) -> None:
    """Point FOF_IMAP_URL at the test's mailbox."""
    services.settings.imap_url = SecretStr(
        f"imap://{mailbox.user}:{mailbox.password}@{mailbox.host}:{mailbox.port}/INBOX")


async def delivered_digests(services: Services, mail_sink) -> dict[str, str]:
    """Build and deliver today's digests; recipient -> envelope sender (the VERP address)."""
    now = services.now()
    await build_digests(services, now)
    await deliver_due(services, now)
    return {rcpt[0]: sender for sender, rcpt, _ in mail_sink.received}


async def row_of(services: Services, row_id: int) -> OutboxMessage:
    async with services.sessions() as session:
        return await session.get(OutboxMessage, row_id)


async def undeliverable(services: Services) -> list[str]:
    async with services.sessions() as session:
        return list((await session.exec(select(UndeliverableAddress.address))).all())


async def rows_where(services: Services, model, *where) -> list:
    async with services.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def test_a_dsn_for_a_delivered_digest_marks_its_row_and_address(
        services, clock, mail_sink, imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    rahim = EMAILS["rahim"]
    verp = senders[rahim]
    assert VERP.match(verp), verp  # the SMTP sender used the row's VERP address
    row_id = int(VERP.match(verp)[1])
    assert (await row_of(services, row_id)).recipient == rahim
    assert len(set(senders.values())) == len(senders)  # one address per message

    append(imap_mailbox, fixture("dsn_permanent.eml", verp=verp, recipient=rahim))
    report = await worker.poll(services, clock.now())
    assert report.handled == 1 and report.error is None, report

    row = await row_of(services, row_id)
    assert row.status == BOUNCED and "5.1.1" in row.last_error
    assert await undeliverable(services) == [rahim]
    entry, = await audits(services, AuditAction.ADDRESS_BOUNCES)
    assert entry.subject == rahim and entry.actor == "mail"
    assert all(HANDLED in flags for flags in flags_of(imap_mailbox).values())
    assert len(flags_of(imap_mailbox)) == 1  # read, marked, never deleted

    # the daily note: one Telegram message for the administrator, once a day
    note, = await rows_where(services, OutboxMessage, OutboxMessage.kind == "bounces")
    assert note.channel == "telegram" and note.recipient == str(ADMIN["id"])
    assert "focal point for Bangladesh: address bounces since 2 July 2007" in note.body
    await worker.poll(services, clock.now())
    assert len(await rows_where(services, OutboxMessage, OutboxMessage.kind == "bounces")) == 1

    # the next day's digest is not mailed to the address that bounces, the others are
    clock.advance(timedelta(days=1))
    mail_sink.received.clear()
    await delivered_digests(services, mail_sink)
    assert rahim not in {rcpt[0] for _, rcpt, _ in mail_sink.received}
    assert EMAILS["anne"] in {rcpt[0] for _, rcpt, _ in mail_sink.received}
    held, = await rows_where(services, OutboxMessage, OutboxMessage.status == HELD)
    assert held.recipient == rahim and held.kind == "digest"

    # changing the contact's address clears it: the new address is mailed again
    async with services.sessions.begin() as session:
        person = (await session.exec(select(Person).where(Person.email == rahim))).one()
        person.email = "rahim.new@example.org"
        session.add(person)
    assert (await worker.poll(services, clock.now())).handled == 0
    clock.advance(timedelta(days=1))
    mail_sink.received.clear()
    await delivered_digests(services, mail_sink)
    assert "rahim.new@example.org" in {rcpt[0] for _, rcpt, _ in mail_sink.received}


async def test_three_soft_bounces_disable_one_does_not(services, clock, mail_sink,
                                                       imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    mikko, verp = EMAILS["mikko"], senders[EMAILS["mikko"]]
    row_id = int(VERP.match(verp)[1])

    # day 1: a Postfix "delayed" DSN and a qmail temporary failure: one counted for the day
    append(imap_mailbox, fixture("dsn_delayed.eml", verp=verp, recipient=mikko))
    append(imap_mailbox, fixture("qmail_bounce.eml", verp=verp, recipient=mikko))
    assert (await worker.poll(services, clock.now())).handled == 2
    assert len(await rows_where(services, Bounce)) == 1
    assert await undeliverable(services) == []
    assert (await row_of(services, row_id)).status == "sent"  # still being retried
    # day 2: two counted, still mailed
    clock.advance(timedelta(days=1))
    append(imap_mailbox, fixture("dsn_delayed.eml", verp=verp, recipient=mikko))
    await worker.poll(services, clock.now())
    assert await undeliverable(services) == []
    # day 3: three within seven days: undeliverable
    clock.advance(timedelta(days=1))
    append(imap_mailbox, fixture("dsn_delayed.eml", verp=verp, recipient=mikko))
    await worker.poll(services, clock.now())
    assert await undeliverable(services) == [mikko]
    assert [b.severity for b in await rows_where(services, Bounce)] == ["temporary"] * 3


async def test_soft_bounces_a_week_apart_do_not_add_up(services, clock, mail_sink,
                                                       imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    mikko, verp = EMAILS["mikko"], senders[EMAILS["mikko"]]
    for _ in range(3):
        append(imap_mailbox, fixture("dsn_delayed.eml", verp=verp, recipient=mikko))
        await worker.poll(services, clock.now())
        clock.advance(timedelta(days=4))
    assert await undeliverable(services) == []


async def test_an_out_of_office_reply_changes_nothing(services, clock, mail_sink,
                                                      imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    rahim = EMAILS["rahim"]
    append(imap_mailbox, fixture("out_of_office.eml", verp=senders[rahim], recipient=rahim))
    report = await worker.poll(services, clock.now())
    assert report.handled == 1 and report.outcomes == ["ignored: auto-reply"]
    assert await rows_where(services, Bounce) == []
    assert await undeliverable(services) == []
    assert {r.status for r in await rows_where(services, OutboxMessage)} == {"sent"}
    assert all(HANDLED in flags for flags in flags_of(imap_mailbox).values())


async def test_a_text_bounce_counts_and_a_forged_one_does_not(services, clock, mail_sink,
                                                             imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    anne, mikko = EMAILS["anne"], EMAILS["mikko"]
    forged = re.sub(r"x[0-9a-f]{10}@", "x0123456789@", senders[anne])
    append(imap_mailbox, fixture("exim_bounce.eml", verp=forged, recipient=anne))
    append(imap_mailbox, fixture("exim_bounce.eml", verp=senders[mikko], recipient=mikko))
    report = await worker.poll(services, clock.now())
    assert report.handled == 2
    assert "did not send" in report.outcomes[0]
    assert await undeliverable(services) == [mikko]  # Exim's permanent error, with VERP


@pytest.mark.parametrize(("eml", "first", "meeting", "answer"), [
    ("outlook_reply.eml", "anne", "forum", "yes"),
    ("gmail_reply.eml", "luc", "steering", "no"),
    ("apple_reply.eml", "jose", "troika", "maybe"),
])
async def test_calendar_replies_set_attendance(services, clock, imap_mailbox, eml, first,
                                               meeting, answer):
    sample: Sample = await seed(services)
    read_from(services, imap_mailbox)
    meeting_id = getattr(sample, meeting)
    async with services.sessions() as session:
        uid = (await session.get(Meeting, meeting_id)).uid
    append(imap_mailbox, fixture(eml, uid=uid, attendee=EMAILS[first]))
    report = await worker.poll(services, clock.now())
    assert report.outcomes == [f"meeting {meeting_id}: answer {answer} by calendar reply"]
    found, = await rows_where(services, Attendance, Attendance.meeting_id == meeting_id)
    assert (found.person_id, found.answer) == (sample.people[first], answer)
    entry, = await audits(services, AuditAction.MEETING_ANSWER)
    assert (entry.after["answer"], entry.after["via"]) == (answer, "calendar reply")


async def test_nothing_is_handled_twice_after_a_restart(services, clock, imap_mailbox):
    sample = await seed(services)
    read_from(services, imap_mailbox)
    async with services.sessions() as session:
        uid = (await session.get(Meeting,
                                 sample.forum)).uid
    append(imap_mailbox, fixture("outlook_reply.eml", uid=uid, attendee=EMAILS["anne"]))
    assert (await worker.poll(services, clock.now(),
                              reader=MailboxReader(services.settings.mailbox))).handled == 1
    # Anne changes her mind in Telegram; the old reply must not undo that
    async with services.sessions.begin() as session:
        row = (await session.exec(select(Attendance))).one()
        row.answer = "no"
        session.add(row)
    append(imap_mailbox, fixture("unsubscribe.eml", sender=EMAILS["mikko"], body="stop"))
    restarted = MailboxReader(services.settings.mailbox)  # a new connection, as after a restart
    report = await worker.poll(services, clock.now(), reader=restarted)
    assert report.handled == 1 and "digest turned off" in report.outcomes[0]
    assert (await rows_where(services, Attendance))[0].answer == "no"
    assert (await worker.poll(services, clock.now())).handled == 0
    assert len(flags_of(imap_mailbox)) == 2


async def test_a_mailed_unsubscribe_turns_that_kind_of_mail_off(services, clock,
                                                               imap_mailbox):
    sample = await seed(services)
    read_from(services, imap_mailbox)
    append(imap_mailbox, fixture("unsubscribe.eml", sender=EMAILS["mikko"].upper(),
                                 body="Please stop the digest."))
    append(imap_mailbox, fixture("unsubscribe.eml", sender=EMAILS["rahim"],
                                 body="No more meeting reminders, thank you."))
    append(imap_mailbox, fixture("unsubscribe.eml", sender="stranger@example.net", body=""))
    report = await worker.poll(services, clock.now())
    assert report.handled == 3 and "unknown address" in report.outcomes[2]
    async with services.sessions() as session:
        mikko = await session.get(Person, sample.people["mikko"])
        rahim = await session.get(Person, sample.people["rahim"])
    assert (mikko.digest, mikko.reminders) == ("off", True)
    assert (rahim.digest, rahim.reminders) == ("weekly", False)
    assert len(await audits(services, AuditAction.SETTINGS_CHANGE)) == 2


async def test_administrators_see_bounced_addresses(services, settings, clock, mail_sink, bot,
                                                    imap_mailbox, capsys):
    await seed(services)
    read_from(services, imap_mailbox)
    senders = await delivered_digests(services, mail_sink)
    rahim = EMAILS["rahim"]
    append(imap_mailbox, fixture("dsn_permanent.eml", verp=senders[rahim], recipient=rahim))
    await worker.poll(services, clock.now())

    text = await ask(bot, ADMIN, "/outbox")
    assert "Addresses that bounce (1)" in text
    assert f"focal point for Bangladesh: address bounces since 2 July 2007 (Rahim Uddin, " \
           f"{rahim})" in text and "5.1.1" in text
    assert "address bounces since 2 July 2007" in await ask(bot, ADMIN, "/focal BD")
    jose = await ask(bot, user(JOSE_TELEGRAM, "José"), "/focal BD")  # a focal point, not admin
    assert "Rahim Uddin" in jose and "bounces" not in jose
    assert await outbox_cli(settings) == 0
    assert f"(Rahim Uddin, {rahim})" in capsys.readouterr().out


async def test_an_unreachable_mailbox_is_one_warning_without_the_password(services, clock,
                                                                         caplog):
    services.settings.imap_url = SecretStr("imap://secretariat:hunter2-pw@127.0.0.1:1/INBOX")
    report = await worker.poll(services, clock.now())
    assert report.handled == 0 and report.error
    assert "hunter2-pw" not in caplog.text and "imap://secretariat@127.0.0.1:1/INBOX" in \
        caplog.text


def test_what_is_not_a_bounce_or_a_reply():
    plain = parse.read_message(b"From: someone@example.org\r\nSubject: Hello\r\n\r\nHi\r\n")
    assert parse.classify(plain) == parse.Ignored("not for us")
    delivered = fixture("dsn_permanent.eml", verp="secretariat+b1x0123456789@gfmd.example",
                        recipient="a@example.org").replace(b"Action: failed", b"Action: delivered")
    assert parse.classify(parse.read_message(delivered.replace(b"Status: 5.1.1", b"Status: 2.0.0"))
                          ) == parse.Ignored("a delivery report without a failure")
    request = fixture("apple_reply.eml", uid="x@gfmd.example", attendee="a@example.org")
    assert parse.classify(parse.read_message(request.replace(b"METHOD:REPLY", b"METHOD:REQUEST"))
                          ) == parse.Ignored("not for us")  # an invitation, not an answer
    huge = parse.find_token("secretariat+b99999999999x0123456789@gfmd.example")
    assert huge is None  # row ids past an INTEGER column are nobody's


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "X-Autoreply: yes",
                                    "Precedence: auto_reply", "Subject: Out of Office: digest"])
def test_auto_replies_of_every_kind_are_ignored(header):
    raw = fixture("out_of_office.eml", verp="secretariat+b7x0123456789@gfmd.example",
                  recipient=EMAILS["rahim"]).decode()
    raw = re.sub(r"(?m)^(Auto-Submitted|Subject|X-Auto-Response-Suppress):.*\r\n", "", raw)
    message = parse.read_message(f"{header}\r\n{raw}".encode())
    assert parse.classify(message) == parse.Ignored("auto-reply")
    assert parse.classify(parse.read_message(raw.encode())) == parse.Ignored("not for us")


def test_imap_configuration():
    settings = load_settings(
        _env_file=None, mail_from="secretariat@gfmd.example",
        imap_url="imaps://sec%40gfmd.example:p%2Fw@mail.gfmd.example/Bounces")
    box = settings.mailbox
    assert (box.host, box.port, box.tls, box.user, box.password, box.folder) == \
        ("mail.gfmd.example", 993, True, "sec@gfmd.example", "p/w", "Bounces")
    assert "p/w" not in repr(box) and "p/w" not in str(box)
    line = settings_line(settings, 1, datetime(2007, 7, 2, tzinfo=UTC))
    assert "inbox imaps://sec@gfmd.example@mail.gfmd.example:993/Bounces;" in line
    assert "p/w" not in line and "p%2Fw" not in line
    assert "p/w" in _secrets(settings)  # masked in every log line and error
    assert settings.imap_poll_seconds == 60
    plain = load_settings(_env_file=None, imap_url="imap://u:pw@127.0.0.1:1143")
    assert (plain.mailbox.port, plain.mailbox.tls, plain.mailbox.folder) == \
        (1143, False, "INBOX")
    for url, words in [("https://u:pw@host/INBOX", "must start with imaps:// or imap://"),
                       ("imaps://host/INBOX", "needs a user, a password and a host"),
                       ("imaps://u:secretpw@host:99999/INBOX", "port")]:
        with pytest.raises(ConfigError) as raised:
            load_settings(_env_file=None, imap_url=url)
        assert str(raised.value).startswith("FOF_IMAP_URL ") and words in str(raised.value)
        assert "secretpw" not in str(raised.value)
    with pytest.raises(ConfigError, match="^FOF_BOUNCE_ADDRESS is not an email address"):
        load_settings(_env_file=None, bounce_address="bounces at gfmd")
    with pytest.raises(ConfigError, match="^FOF_IMAP_POLL_SECONDS"):
        load_settings(_env_file=None, imap_poll_seconds="1")


async def test_the_bounce_address_is_the_envelope_sender(services, mail_sink):
    await seed(services)
    services.settings.bounce_address = "bounces@lists.gfmd.example"
    senders = await delivered_digests(services, mail_sink)
    assert all(re.fullmatch(r"bounces\+b[0-9]+x[0-9a-f]{10}@lists\.gfmd\.example", s)
               for s in senders.values()), senders
    assert all(m["From"].addresses[0].addr_spec == "secretariat@gfmd.example"
               for m in mail_sink.messages)


async def test_the_scheduler_reads_the_inbox_when_it_is_set(services, bot, clock, imap_mailbox):
    sample = await seed(services)
    read_from(services, imap_mailbox)
    services.settings.imap_poll_seconds = 30
    async with services.sessions() as session:
        uid = (await session.get(Meeting, sample.forum)).uid
    append(imap_mailbox, fixture("outlook_reply.eml", uid=uid, attendee=EMAILS["anne"]))
    background = await start_background(services, bot.app)
    try:
        job = background.scheduler.get_job("inbox")
        assert job is not None and job.trigger.interval == timedelta(seconds=30)
        for _ in range(200):  # the job runs at once at start, in the scheduler's own time
            if await rows_where(services, Attendance):
                break
            await asyncio.sleep(0.05)
    finally:
        await background.stop()
    assert [a.answer for a in await rows_where(services, Attendance)] == ["yes"]


async def test_a_server_without_keywords_gets_a_folder_of_handled_mail(services, clock,
                                                                       imap_mailbox):
    await seed(services)
    read_from(services, imap_mailbox)
    append(imap_mailbox, fixture("unsubscribe.eml", sender=EMAILS["mikko"], body="stop"))
    probe = MailboxReader(imap_mailbox)
    await asyncio.to_thread(probe.open)  # Dovecot keeps keywords: the reader would use them
    assert probe.keywords is True
    await asyncio.to_thread(probe.close)
    report = await worker.poll(services, clock.now(),
                               reader=MailboxReader(imap_mailbox, keywords=False))
    assert report.handled == 1
    assert flags_of(imap_mailbox) == {}  # moved, not deleted:
    assert len(flags_of(replace(imap_mailbox, folder=HANDLED_FOLDER))) == 1
    again = await worker.poll(services, clock.now(),
                              reader=MailboxReader(imap_mailbox, keywords=False))
    assert again.handled == 0
