"""The breaker: a relay that refuses the sender itself (a real aiosmtpd answering 554 / 535 to
MAIL FROM or RCPT) pauses email with every row pending, alerts the administrators once in
Telegram, and delivery resumes by itself - everything delivered once - when it accepts again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from bot.mail import breaker, claims
from bot.mail.delivery import deliver_due
from bot.mail.mime import compose, to_wire
from bot.mail.operator import digest_cli, summary_lines
from bot.mail.outcomes import Outcome, Result
from bot.mailsink import free_port
from bot.ops import mail
from storage import mailserver, outbox
from storage.models import Channel, OutboxStatus
from storage.people import Viewer
from tests.conftest import ADMIN_ID
from tests.mail_fixtures import rows, seed

RELAY_DENIED = "554 5.7.1 <{rcpt}>: Relay access denied"
BAD_LOGIN = "535 5.7.8 Error: authentication failed"


class Relay:
    """An aiosmtpd relay whose answers to MAIL FROM and RCPT TO a test sets."""

    def __init__(self) -> None:
        self.mail_answer: str | None = None  # e.g. "535 ...": MAIL FROM refused
        self.rcpt_answer: str | None = None  # "{rcpt}" is replaced by the address
        self.received: list[str] = []  # the recipient of every message taken
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        if self.mail_answer:
            return self.mail_answer
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self.rcpt_answer:
            return self.rcpt_answer.format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received += envelope.rcpt_tos
        return "250 Message accepted"


@pytest.fixture
def relay():
    found = Relay()
    found.controller.start()
    yield found
    found.controller.stop()


@pytest.fixture
def relayed(services, relay):
    """The services, sending to the refusing relay."""
    services.settings = services.settings.model_copy(update={"smtp_port": relay.port})
    return services


async def queue(services, count: int) -> list[str]:
    now = services.clock.now()
    addresses = [f"fp{n}@example.org" for n in range(count)]
    async with services.sessions.begin() as session:
        for address in addresses:
            message = compose(services.settings, key=f"test:{address}", to_address=address,
                              to_name="Reader", subject="Hello", text="Hello.", now=now)
            await outbox.enqueue(session, key=f"test:{address}", recipient=address,
                                 kind="test", body=to_wire(message), subject="Hello", now=now)
    return addresses


def email(found):
    return [r for r in found if r.channel == Channel.EMAIL]


def alerts(found):
    return [r for r in found if r.kind == breaker.ALERT_KIND]


@pytest.mark.parametrize("where, answer", [("rcpt", RELAY_DENIED), ("mail", BAD_LOGIN),
                                           ("rcpt", "554 5.7.1 Client host rejected")])
async def test_a_relay_that_refuses_the_sender_pauses_then_delivers_all_once(
        relayed, relay, clock, where, answer):
    addresses = await queue(relayed, 7)
    setattr(relay, f"{where}_answer", answer)
    first = await deliver_due(relayed, clock.now())
    assert first.paused and (first.sent, first.failed) == (0, 0)
    found = await rows(relayed)
    # every row still pending, untouched: no attempt counted, no lease kept
    assert {(r.status, r.attempts, r.claimed_by) for r in email(found)} == {
        (OutboxStatus.PENDING, 0, None)}
    [alert] = alerts(found)  # one administrator: one alert, with the relay's answer
    assert alert.recipient == str(ADMIN_ID) and alert.channel == Channel.TELEGRAM
    assert answer.split(" <")[0].split(":")[0][:20] in alert.body
    # the relay still refuses: the probes fail, nothing is sent, no second alert
    for _ in range(6):
        clock.advance(timedelta(seconds=15))
        assert (await deliver_due(relayed, clock.now())).attempted == 0
    assert len(alerts(await rows(relayed))) == 1 and relay.received == []
    # it accepts again: within two minutes everything goes out, once
    setattr(relay, f"{where}_answer", None)
    for _ in range(8):
        clock.advance(timedelta(seconds=15))
        await deliver_due(relayed, clock.now())
    assert sorted(relay.received) == sorted(addresses)
    assert {r.status for r in email(await rows(relayed))} == {OutboxStatus.SENT}
    async with relayed.sessions() as session:
        assert await mailserver.breaker(session) is None
    clock.advance(timedelta(minutes=5))
    await deliver_due(relayed, clock.now())
    assert len(relay.received) == 7 and len(alerts(await rows(relayed))) == 1


@pytest.mark.parametrize("count", [7, 3])  # the batch claimed ahead is full, or the last
async def test_email_claimed_ahead_is_given_back_and_the_alert_goes_out_in_the_same_run(
        relayed, relay, clock, bot, monkeypatch, caplog, count):
    """Batches of 2: when the breaker trips, the next batch is already claimed; its email is
    given back untouched (one pause, said once), and the alert queued meanwhile is sent
    before the run ends."""
    monkeypatch.setattr(claims, "BATCH", 2)
    await queue(relayed, count)
    relay.rcpt_answer = RELAY_DENIED
    report = await deliver_due(relayed, clock.now(), telegram_bot=bot.app.bot)
    assert len([r for r in caplog.records if "mail delivery paused" in r.getMessage()]) == 1
    assert report.paused and (report.sent, report.failed) == (1, 0)  # the alert only
    assert {(r.status, r.attempts, r.claimed_by, r.claimed_until)
            for r in email(await rows(relayed))} == {(OutboxStatus.PENDING, 0, None, None)}
    [sent] = bot.request.sent("sendMessage", chat_id=ADMIN_ID)
    assert "Relay access denied" in sent.params["text"]
    assert relay.received == []


async def test_the_alert_goes_out_in_telegram_while_email_is_paused(relayed, relay, clock, bot):
    await queue(relayed, 4)
    relay.rcpt_answer = RELAY_DENIED
    report = await deliver_due(relayed, clock.now(), telegram_bot=bot.app.bot)
    assert report.paused
    clock.advance(timedelta(seconds=15))
    await deliver_due(relayed, clock.now(), telegram_bot=bot.app.bot)
    [sent] = bot.request.sent("sendMessage", chat_id=ADMIN_ID)
    assert "Relay access denied" in sent.params["text"]
    assert "refuses mail from secretariat@gfmd.example" in sent.params["text"]
    # /outbox (and `fof-bot outbox`) say why nothing goes out
    summary = await mail.outbox_summary(relayed, Viewer.operator())
    assert any("refuses the sender" in line and "Relay access denied" in line
               for line in summary_lines(summary))


async def test_unknown_mailboxes_in_a_row_fail_each_without_pausing(relayed, relay, clock):
    await queue(relayed, 5)
    relay.rcpt_answer = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"
    report = await deliver_due(relayed, clock.now())
    assert not report.paused and report.failed == 5
    assert alerts(await rows(relayed)) == []


async def test_content_refused_after_data_fails_those_messages_only(relayed, relay, clock):
    await queue(relayed, 4)  # the relay takes RCPT; its content filter refuses at DATA

    async def refuse(server, session, envelope):
        return "554 5.7.1 Message rejected as spam"

    relay.handle_DATA = refuse
    report = await deliver_due(relayed, clock.now())
    assert not report.paused and report.failed == 4
    assert alerts(await rows(relayed)) == []


async def test_a_lone_policy_refusal_among_accepted_mail_is_that_message_only():
    class Recorded:
        held: set[int] = set()

        def __init__(self):
            self.added = []

        async def add(self, row, result):
            self.added.append((row, result))

    recorder = Recorded()
    watch = breaker.Watch(recorder)  # type: ignore[arg-type]
    denied = Result(Outcome.PERMANENT, "554 5.7.1 Relaying denied by policy", at_envelope=True)
    sent = Result(Outcome.SENT, "250 OK")
    for n, result in enumerate([sent, denied, sent, denied, denied, sent]):
        await watch.add(n, result)  # type: ignore[arg-type]
    await watch.end_of_batch()
    assert watch.tripped is None and len(recorder.added) == 6
    for n in range(3):
        await watch.add(10 + n, denied)  # type: ignore[arg-type]
    assert watch.tripped is denied and watch.stop.is_set() and watch.paused == [10, 11, 12]


async def test_only_one_instance_opens_the_breaker(services, clock):
    async with services.sessions.begin() as session:
        assert await mailserver.open_breaker(session, at=clock.now(), error="554 no",
                                             next_probe=clock.now())
    async with services.sessions.begin() as session:  # a second instance, a moment later
        assert not await mailserver.open_breaker(session, at=clock.now() + timedelta(1),
                                                 error="554 no", next_probe=clock.now())
        assert await mailserver.claim_probe(session, now=clock.now(), owner="a",
                                            until=clock.now() + breaker.PROBE_EVERY)
        assert not await mailserver.claim_probe(session, now=clock.now(), owner="b",
                                                until=clock.now() + breaker.PROBE_EVERY)


async def test_digest_cli_exits_non_zero_when_nothing_could_be_delivered(
        services, settings, relay, capsys):
    await seed(services)
    relay.rcpt_answer = RELAY_DENIED
    refused = settings.model_copy(update={"smtp_port": relay.port})
    assert await digest_cli(refused, dry_run=False, to=None) == 1
    captured = capsys.readouterr()
    assert " 0 sent, 0 to retry later, 0 failed" in captured.out
    assert "delivery is paused" in captured.err
    assert {r.status for r in email(await rows(services))} == {OutboxStatus.PENDING}


async def test_a_relay_that_flaps_is_announced_once_an_hour(relayed, relay, clock):
    await queue(relayed, 3)
    relay.rcpt_answer = RELAY_DENIED
    assert (await deliver_due(relayed, clock.now())).paused
    relay.rcpt_answer = None
    clock.advance(breaker.PROBE_EVERY)
    assert (await deliver_due(relayed, clock.now())).sent == 3
    relay.rcpt_answer = RELAY_DENIED  # refused again ten minutes later
    clock.advance(timedelta(minutes=10))
    async with relayed.sessions.begin() as session:
        message = compose(relayed.settings, key="test:late", to_address="late@example.org",
                          to_name="Late", subject="Hello", text="Hello.", now=clock.now())
        await outbox.enqueue(session, key="test:late", recipient="late@example.org",
                             kind="test", body=to_wire(message), now=clock.now())
    assert (await deliver_due(relayed, clock.now())).paused
    assert len(alerts(await rows(relayed))) == 1
