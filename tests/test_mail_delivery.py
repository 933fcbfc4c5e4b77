"""The outbox delivery worker against a real SMTP server on 127.0.0.1, with a set clock."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.mail import claims, outcomes, recorder, smtp
from bot.mail.delivery import deliver_due
from bot.mail.mime import compose, to_wire
from storage import outbox
from storage.models import OutboxStatus
from tests.mail_fixtures import parsed, rows


async def queue(services, *addresses: str) -> None:
    now = services.clock.now()
    async with services.sessions.begin() as session:
        for address in addresses:
            key = f"test:{address}"
            message = compose(services.settings, key=key, to_address=address, to_name="Reader",
                              subject="Hello", text="Hello.", html="<p>Hello.</p>", now=now)
            await outbox.enqueue(session, key=key, recipient=address, kind="test",
                                 body=to_wire(message), subject="Hello", now=now)


async def status_of(services) -> dict[str, tuple[str, str | None]]:
    return {r.recipient: (r.status, r.last_error) for r in await rows(services)}


@pytest.mark.parametrize("first, batch", [(30, 200), (30, 5), (3, 200)])
async def test_delivers_each_message_once_over_reused_connections(services, mail_sink,
                                                                  monkeypatch, first, batch):
    """In one batch, in three claimed one ahead of the sending, or a small first batch and
    the rest: the connections are the run's, kept from batch to batch."""
    monkeypatch.setattr(claims, "FIRST", first)
    monkeypatch.setattr(claims, "BATCH", batch)
    addresses = [f"fp{n}@example.org" for n in range(12)]
    await queue(services, *addresses)
    report = await deliver_due(services, services.clock.now())
    assert (report.sent, report.retry, report.failed) == (12, 0, 0)
    assert sorted(rcpt[0] for _, rcpt, _ in mail_sink.received) == sorted(addresses)
    # one connection per worker, reused: never one per message
    assert mail_sink.connections <= smtp.CONCURRENCY
    assert {s for s, _ in (await status_of(services)).values()} == {OutboxStatus.SENT}
    # nothing is due any more: a second run sends nothing
    again = await deliver_due(services, services.clock.now())
    assert again.attempted == 0 and len(mail_sink.received) == 12


async def test_without_a_sender_email_waits_and_nothing_fails(settings, services, mail_sink):
    """FOF_MAIL_FROM unset: the running bot's delivery leaves email pending, unclaimed (no
    error on every run); the command line says what is missing."""
    from bot.config import ConfigError
    from bot.mail.operator import send_now
    from bot.services import Services

    await queue(services, "fp1@example.org")
    unsent = Services(settings.model_copy(update={"mail_from": None}), services.clock,
                      services.engine, services.sessions)
    report = await deliver_due(unsent, services.clock.now())
    assert report.attempted == 0 and not mail_sink.received
    [row] = await rows(services)
    assert (row.status, row.attempts, row.claimed_until) == (OutboxStatus.PENDING, 0, None)
    with pytest.raises(ConfigError, match="FOF_MAIL_FROM is not set"):
        await send_now(unsent, services.clock.now())
    assert (await deliver_due(services, services.clock.now())).sent == 1  # a sender: it goes


async def test_421_then_250_is_delivered_on_retry(services, mail_sink, clock):
    await queue(services, "anne.dupont@example.org")
    mail_sink.fail_data.append("421 4.3.0 Try later")
    first = await deliver_due(services, clock.now())
    assert (first.sent, first.retry) == (0, 1)
    [row] = await rows(services)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error.startswith("421")
    assert clock.now() + timedelta(seconds=30) <= row.next_attempt_at
    assert row.next_attempt_at <= clock.now() + timedelta(minutes=1)
    # not yet due: nothing happens
    assert (await deliver_due(services, clock.now())).attempted == 0
    clock.advance(timedelta(minutes=1))
    second = await deliver_due(services, clock.now())
    assert second.sent == 1
    assert len(mail_sink.received) == 1


async def test_421_mid_batch_reconnects_for_the_following_messages(services, mail_sink):
    await queue(services, *(f"fp{n}@example.org" for n in range(6)))
    mail_sink.fail_data.append("421 4.3.0 Closing connection")
    report = await deliver_due(services, services.clock.now())
    assert (report.sent, report.retry, report.failed) == (5, 1, 0)


async def test_550_fails_only_that_recipient(services, mail_sink):
    await queue(services, "anne.dupont@example.org", "nobody@example.org",
                "jose.santos@example.org")
    mail_sink.fail_rcpt["nobody@example.org"] = "550 5.1.1 No such user"
    report = await deliver_due(services, services.clock.now())
    assert (report.sent, report.retry, report.failed) == (2, 0, 1)
    state = await status_of(services)
    assert state["nobody@example.org"] == (OutboxStatus.FAILED, "550 5.1.1 No such user")
    assert state["anne.dupont@example.org"][0] == OutboxStatus.SENT
    assert state["jose.santos@example.org"][0] == OutboxStatus.SENT
    assert report.failures == [("nobody@example.org", "550 5.1.1 No such user")]


async def test_temporary_rcpt_refusal_is_retried(services, mail_sink, clock):
    await queue(services, "anne.dupont@example.org")
    mail_sink.fail_rcpt["anne.dupont@example.org"] = "452 4.2.2 Mailbox full"
    assert (await deliver_due(services, clock.now())).retry == 1
    del mail_sink.fail_rcpt["anne.dupont@example.org"]
    clock.advance(timedelta(minutes=2))
    assert (await deliver_due(services, clock.now())).sent == 1


async def test_server_down_then_up_delivers_everything(services, mail_sink, clock):
    addresses = [f"fp{n}@example.org" for n in range(5)]
    await queue(services, *addresses)
    mail_sink.stop()
    down = await deliver_due(services, clock.now())
    assert (down.sent, down.retry, down.failed) == (0, 5, 0)
    assert all("cannot reach mail server" in (e or "") for _, e in
               (await status_of(services)).values())
    for _ in range(3):  # down for a while: retries keep failing, nothing is lost
        clock.advance(timedelta(minutes=10))
        assert (await deliver_due(services, clock.now())).retry == 5
    mail_sink.start()
    clock.advance(timedelta(hours=1))
    up = await deliver_due(services, clock.now())
    assert up.sent == 5
    assert sorted(r[0] for _, r, _ in mail_sink.received) == sorted(addresses)


async def test_gives_up_after_24_hours_and_keeps_the_row(services, mail_sink, clock):
    await queue(services, "anne.dupont@example.org")
    mail_sink.fail_data.extend(["451 4.3.0 Temporary local problem"] * 100)
    start = clock.now()
    tries = 0
    while True:
        report = await deliver_due(services, clock.now())
        tries += report.attempted
        [row] = await rows(services)
        if row.status != OutboxStatus.PENDING:
            break
        clock.set(row.next_attempt_at)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error.startswith("gave up after 24 hours: 451")
    assert clock.now() - start == timedelta(hours=24)  # the last try is at the deadline
    assert 10 < tries < 40  # backoff grew: not one try a minute


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(4)
    for attempts, low, high in [(1, 30, 60), (2, 60, 120), (3, 120, 240), (20, 3600, 7200)]:
        for _ in range(20):
            assert low <= outcomes.backoff(attempts, rng).total_seconds() <= high


async def test_crash_after_claim_resends_after_the_lease(services, mail_sink, clock):
    await queue(services, "anne.dupont@example.org")
    async with services.sessions.begin() as session:  # a worker claims, then dies
        claimed = await outbox.claim_due(session, now=clock.now(), lease=claims.LEASE,
                                         limit=10)
    assert len(claimed) == 1
    assert (await deliver_due(services, clock.now())).attempted == 0  # still leased
    clock.advance(claims.LEASE)
    assert (await deliver_due(services, clock.now())).sent == 1


async def test_stored_message_is_ascii_and_parses(services, mail_sink):
    await queue(services, "maria.garcia@example.org")
    await deliver_due(services, services.clock.now())
    [row] = await rows(services)
    row.body.encode("ascii")
    message = parsed(mail_sink.received[0][2])
    assert message["Subject"] == "Hello" and message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@gfmd.example>")
    assert message["List-Id"] == "Friends of the Forum <friends.gfmd.example>"
    assert message["List-Unsubscribe"] == "<mailto:secretariat@gfmd.example?subject=unsubscribe>"
    assert message["From"].addresses[0].addr_spec == "secretariat@gfmd.example"
    assert message["Date"].datetime == services.clock.now()
    # the Message-ID is stored with the row (a resend of the row is the same message), but the
    # key alone does not make it: the same key composed again (another database) is a new ID
    assert f"Message-ID: {message['Message-ID']}" in row.body
    again = compose(services.settings, key="test:maria.garcia@example.org",
                    to_address="maria.garcia@example.org", to_name="Reader", subject="Hello",
                    text="Hello.", now=services.clock.now())
    assert again["Message-ID"] != message["Message-ID"]


async def test_results_are_recorded_a_batch_at_a_time(services, mail_sink, monkeypatch):
    writes: list[list[str]] = []
    write = recorder.write

    async def counted(services, decisions, now):
        writes.append([d.verdict for d in decisions])
        await write(services, decisions, now)

    monkeypatch.setattr(recorder, "write", counted)
    await queue(services, *(f"fp{n}@example.org" for n in range(10)), "nobody@example.org")
    mail_sink.fail_rcpt["nobody@example.org"] = "550 5.1.1 No such user"
    mail_sink.fail_data.append("421 4.3.0 Try later")
    report = await deliver_due(services, services.clock.now())
    assert (report.sent, report.retry, report.failed) == (9, 1, 1)
    # one transaction for the whole batch, not one per message
    assert len(writes) == 1 and sorted(writes[0]).count("sent") == 9
    state = await status_of(services)
    assert state["nobody@example.org"] == (OutboxStatus.FAILED, "550 5.1.1 No such user")
    assert sorted(s for s, _ in state.values()).count(OutboxStatus.SENT) == 9
    [retry] = [r for r in await rows(services) if r.status == OutboxStatus.PENDING]
    assert retry.attempts == 1 and retry.last_error.startswith("421")
    assert retry.claimed_by is None and retry.next_attempt_at > services.clock.now()


async def test_a_result_not_yet_recorded_means_a_resend_never_a_loss(services, mail_sink,
                                                                     clock, monkeypatch):
    addresses = [f"fp{n}@example.org" for n in range(4)]
    await queue(services, *addresses)
    write = recorder.write

    async def crash(services, decisions, now):
        raise ConnectionError("the database went away before the results were written")

    monkeypatch.setattr(recorder, "write", crash)
    with pytest.raises(ConnectionError):
        await deliver_due(services, clock.now())
    assert len(mail_sink.received) == 4  # sent, but not recorded
    for row in await rows(services):  # still pending and leased to this instance
        assert row.status == OutboxStatus.PENDING and row.attempts == 0
        assert row.claimed_by == services.instance
    monkeypatch.setattr(recorder, "write", write)
    assert (await deliver_due(services, clock.now())).attempted == 0  # leased: not yet
    clock.advance(claims.lease_of(services))
    assert (await deliver_due(services, clock.now())).sent == 4  # resent once the lease ran out
    assert sorted(r[0] for _, r, _ in mail_sink.received) == sorted(addresses * 2)
    assert {r.status for r in await rows(services)} == {OutboxStatus.SENT}


async def test_rows_stay_held_for_lease_renewal_until_their_result_is_written(services, clock,
                                                                             monkeypatch):
    await queue(services, "anne.dupont@example.org")
    [row] = await rows(services)
    claimed = outbox.OutboxRow(row.id, row.key, row.channel, row.recipient, None, row.kind,
                               row.body, 0, row.created_at)
    report = outcomes.DeliveryReport()
    results = recorder.Recorder(services, clock.now(), report)
    results.held.add(row.id)

    async def fail(services, decisions, now):
        raise ConnectionError("no database")

    monkeypatch.setattr(recorder, "write", fail)
    await results.add(claimed, outcomes.Result(outcomes.Outcome.SENT, "sent"))
    with pytest.raises(ConnectionError):
        await results.flush()
    assert results.held == {row.id} and report.sent == 0  # still renewed, nothing forgotten
    monkeypatch.undo()
    await results.flush()
    assert results.held == set() and report.sent == 1
    [row] = await rows(services)
    assert row.status == OutboxStatus.SENT and row.claimed_by is None
