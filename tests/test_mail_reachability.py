"""A mail server that cannot be used: one WARNING at start, the bot still runs, and /outbox
(on any instance) says since when nothing can be sent instead of "No failures"."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import FixedClock
from bot.mail import reachability
from bot.mail.delivery import deliver_due
from bot.mail.operator import summary_lines
from bot.ops import mail
from bot.services import open_services
from bot.startup import announce, settings_line
from storage import db, mailserver, outbox
from storage.people import Viewer
from tests.conftest import ADMIN, DEMO_NOW
from tests.fixtures_bot import ask
from tests.test_mail_delivery import queue

STAMP = "2007-07-02 07:00 UTC"  # DEMO_NOW as /outbox writes it


async def outage(services):
    async with services.sessions() as session:
        return await mailserver.outage(session)


async def test_an_unreachable_server_at_start_is_one_warning_and_outbox_says_so(
        services, bot, mail_sink, clock, caplog):
    mail_sink.stop()
    with caplog.at_level(logging.INFO):
        await announce(services)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert f"cannot reach mail server 127.0.0.1:{mail_sink.port}: connection refused" \
        in warnings[0]
    assert "\n" not in warnings[0]
    [settings] = [r.getMessage() for r in caplog.records if "settings: " in r.getMessage()]
    assert f"mail server 127.0.0.1:{mail_sink.port} none" in settings

    text = await ask(bot, ADMIN, "/outbox")
    assert "No failures" not in text
    assert f"Mail cannot be sent since {STAMP} (last try {STAMP}): cannot reach mail " \
           f"server 127.0.0.1:{mail_sink.port}: connection refused." in text

    # the server comes back; the next delivery sends and /outbox is quiet again
    mail_sink.start()
    await queue(services, "anne.dupont@example.org")
    clock.advance(timedelta(seconds=15))
    assert (await deliver_due(services, clock.now())).sent == 1
    text = await ask(bot, ADMIN, "/outbox")
    assert "No failures." in text and "cannot be sent" not in text


async def test_the_delivery_worker_records_an_outage_and_its_end(services, mail_sink, clock):
    await queue(services, "anne.dupont@example.org", "jose.santos@example.org")
    mail_sink.stop()
    start = clock.now()
    assert (await deliver_due(services, start)).retry == 2
    found = await outage(services)
    assert found is not None and found.since == start and "connection refused" in found.error
    clock.advance(timedelta(minutes=10))
    await deliver_due(services, clock.now())
    found = await outage(services)
    assert (found.since, found.last_try) == (start, clock.now())
    lines = summary_lines(await mail.outbox_summary(services, Viewer.operator()))
    assert "No message has failed for good yet: they wait in the queue." in lines
    assert "No failures." not in lines
    mail_sink.start()
    clock.advance(timedelta(hours=1))
    assert (await deliver_due(services, clock.now())).sent == 2
    assert await outage(services) is None


async def test_an_outage_is_checked_again_while_nothing_is_sent(services, mail_sink, clock):
    mail_sink.stop()
    assert await reachability.check(services, clock.now()) is not None
    mail_sink.start()
    await deliver_due(services, clock.now())  # nothing to send, checked a moment ago
    assert await outage(services) is not None
    clock.advance(reachability.RECHECK)
    await deliver_due(services, clock.now())  # nothing to send: the server is tried again
    assert await outage(services) is None


async def test_a_server_that_refuses_the_login_is_an_outage_too(settings, mail_sink, clock):
    # the sink offers no AUTH: a configured login cannot be used, though the server answers
    with_login = settings.model_copy(update={"smtp_username": "relay"})
    async with open_services(with_login, clock, migrate=False) as services:
        error = await reachability.check(services, clock.now())
        lines = summary_lines(await mail.outbox_summary(services, Viewer.operator()))
    assert error.startswith(f"cannot use mail server 127.0.0.1:{mail_sink.port}: ")
    assert "AUTH" in error
    assert f"Mail cannot be sent since {STAMP} (last try {STAMP}): {error}." in lines


async def test_instances_sharing_a_database_share_the_outage(settings, services, clock):
    # a second process (say, `fof-bot run --worker`) on the same database
    other_clock = FixedClock(DEMO_NOW + timedelta(minutes=5))
    async with open_services(settings, other_clock, migrate=False) as worker:
        await reachability.record(worker, DEMO_NOW, "cannot reach mail server a:25: refused")
        await reachability.record(services, DEMO_NOW + timedelta(minutes=5),
                                  "cannot reach mail server a:25: no answer (timed out)")
        summary = await mail.outbox_summary(services, Viewer.operator())
        assert summary.outage.since == DEMO_NOW
        assert summary.outage.error.endswith("no answer (timed out)")
        await reachability.record(worker, other_clock.now(), None)  # the worker got through
    assert (await mail.outbox_summary(services, Viewer.operator())).outage is None


async def test_outbox_says_when_there_is_no_sender_address(settings, clock):
    async with open_services(settings.model_copy(update={"mail_from": None}), clock,
                             migrate=False) as services:
        lines = summary_lines(await mail.outbox_summary(services, Viewer.operator()))
        assert lines[-1] == "FOF_MAIL_FROM is not set: no email can be sent."  # nothing waits
        async with services.sessions.begin() as session:
            await outbox.enqueue(session, key="k", recipient="anne.dupont@example.org",
                                 kind="test", body="Subject: Hello", now=clock.now())
        lines = summary_lines(await mail.outbox_summary(services, Viewer.operator()))
    assert "FOF_MAIL_FROM is not set: no email can be sent." in lines
    assert lines[-1] == "No message has failed for good yet: they wait in the queue."


def test_settings_line_masks_passwords_and_names_the_next_digest(settings):
    configured = settings.model_copy(update={
        "database_url": "postgresql://fof:db-secret@db.internal:5432/fof",
        "smtp_host": "smtp.example.org", "smtp_port": 587, "smtp_tls": "starttls",
        "smtp_username": "relay", "digest_schedule": "30 6 * * fri",
    })
    line = settings_line(configured, 3, DEMO_NOW)  # Monday 2 July 2007, 09:00 in Brussels
    assert line == (
        "settings: database postgresql://fof:***@db.internal:5432/fof; mail server "
        "smtp.example.org:587 starttls as relay, from secretariat@gfmd.example; "
        "3 administrator(s); digest '30 6 * * fri' in Europe/Brussels, "
        "next Fri 2007-07-06 06:30 CEST"
    )


def test_a_relative_sqlite_path_is_shown_in_full(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert db.masked("sqlite:///fof.db") == f"sqlite:///{tmp_path}/fof.db"
