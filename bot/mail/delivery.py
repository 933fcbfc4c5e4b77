"""The delivery worker: claim due outbox rows, send them, record each result.

Modelled on Mailman's outgoing runner: the senders (`bot.mail.smtp`, `bot.mail.telegram`) only
send and report, per row, whether it was delivered, failed temporarily or failed permanently;
the worker (`deliver_due`) owns the policy of `bot.mail.outcomes`: backoff with jitter for up to
24 hours, then the row is parked as failed with the server's answer, visible in /outbox and
`fof-bot outbox`, never dropped.

Crash safety and several instances: rows are leased to this instance (`claimed_by`,
`claimed_until`: FOF_DELIVERY_LEASE_SECONDS, 60 s by default) and the lease is committed before
anything is sent; it is renewed every third of its length until the row's result is written,
and results are recorded a batch at a time (`bot.mail.recorder`: one transaction every 100
results, every half second and at the end of the run). An instance that dies stops renewing:
its unrecorded rows are free again once the lease runs out, and another instance sends them (at
worst a resend of the batches in flight, with the same Message-ID, never a loss).

Throughput: the next batch is claimed while one is sent (`bot.mail.claims`), and the run's SMTP
connections (`bot.mail.smtp.Connections`) stay open from batch to batch.

When the relay refuses the sender itself, the breaker (`bot.mail.breaker`) pauses email with
the rows still pending, alerts the administrators once and probes the relay until it accepts
again; Telegram rows go on meanwhile.

Telegram copies go through their own budget (`bot.mail.bulk_budget`: 25 a second overall, one a
second per chat), below Telegram's limits, so that replies to people always find room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.mail import breaker, bulk_budget, reachability, telegram
from bot.mail.claims import Claims, lease_of
from bot.mail.outcomes import DeliveryReport, Result
from bot.mail.recorder import Recorder
from bot.mail.smtp import Connections, ServerSeen, send_batch
from bot.mail.stale import supersede_stale
from bot.services import Services
from storage import bounces, mailserver, outbox
from storage.models import Channel
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

TELEGRAM_IN_FLIGHT = 4  # bulk Telegram copies awaiting an answer at once (the budget paces)


async def _keep_leases(services: Services, held: set[int], now: datetime) -> None:
    """Renew the lease of the rows still held (not yet recorded) until cancelled."""
    lease = lease_of(services)
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        ids = list(held)
        if not ids:
            continue
        try:
            async with services.sessions.begin() as session:
                await outbox.renew(session, ids, owner=services.instance,
                                   until=max(now, services.now()) + lease)
        except Exception:  # a failed renewal only risks a resend; the batch goes on
            log.warning("could not renew the lease of %d outbox rows", len(ids), exc_info=True)


async def _send_rows(services: Services, rows: list[OutboxRow], telegram_bot,
                     watch: breaker.Watch, connections: Connections | None,
                     now: datetime) -> ServerSeen | None:
    """Send one claimed batch (email over the run's connections, Telegram one by one under the
    bulk budget); what the batch found of the mail server, when it had email. Email results
    pass through the breaker's `watch` on their way to the recorder."""
    email_rows = [r for r in rows if r.channel == Channel.EMAIL]
    seen = None
    # Cancelled mid-batch (shutdown): unsent rows keep their lease and go out after it.
    if email_rows and connections is not None:
        seen = await send_batch(services.settings, email_rows, on_result=watch.add,
                                stop=watch.stop, connections=connections)
        await watch.end_of_batch()
        if watch.tripped is not None:
            await breaker.trip(services, now, watch, seen.unsent)
    telegram_rows = [r for r in rows if r.channel == Channel.TELEGRAM]
    if telegram_rows:
        await _send_telegram(telegram_bot, telegram_rows, watch.recorder)
    return seen


async def _send_telegram(bot, rows: list[OutboxRow], recorder: Recorder) -> None:
    """Bulk copies at the pace of the bulk budget, a few awaiting Telegram at once: one by
    one, each round trip to Telegram would hold the pace below the budget."""
    budget = bulk_budget.for_bot(bot)
    slots = asyncio.Semaphore(TELEGRAM_IN_FLIGHT)

    async def one(row: OutboxRow) -> None:
        try:
            await recorder.add(row, await telegram.send(bot, row))
        finally:
            slots.release()

    async with asyncio.TaskGroup() as sending:
        for row in rows:
            await slots.acquire()
            await budget.wait(int(row.recipient))
            sending.create_task(one(row))


async def _send_claimed(services: Services, claims: Claims, watch: breaker.Watch, telegram_bot,
                        now: datetime, *, email: bool) -> list[ServerSeen]:
    """Send batch after batch, the next claimed while one is sent; what each batch found of
    the mail server. The leases are renewed and the results recorded as it goes."""
    recorder = watch.recorder
    servers: list[ServerSeen] = []
    renewing = asyncio.create_task(_keep_leases(services, recorder.held, now))
    flushing = asyncio.create_task(recorder.flush_now_and_then())
    connections = Connections(services.settings) if email else None
    try:
        claims.ahead()
        while rows := await claims.next():
            claims.ahead()
            if watch.tripped is not None:  # claimed before the breaker tripped
                rows = await breaker.give_back_email(services, watch, rows)
            seen = await _send_rows(services, rows, telegram_bot, watch, connections, now)
            if seen is not None:
                servers.append(seen)
            if watch.tripped is not None:
                claims.without_email()  # Telegram goes on (the breaker's alert among it)
    finally:
        claims.cancel()
        flushing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flushing
        try:  # what was sent is recorded, even when the run stopped half-way
            await _finish(recorder, connections)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
    return servers


async def _finish(recorder: Recorder, connections: Connections | None) -> None:
    """The last results written while the SMTP connections say goodbye."""
    closing = asyncio.create_task(connections.close()) if connections is not None else None
    try:
        await recorder.finish()
    finally:
        if closing is not None:
            await closing


async def deliver_due(
    services: Services,
    now: datetime,
    *,
    telegram_bot=None,
    limit: int | None = None,
    on_progress: Callable[[OutboxRow, Result], None] | None = None,
) -> DeliveryReport:
    """Claim and send what is due at `now`, batch after batch; count sent / retry / failed.

    Telegram rows are only taken when a bot is given (the CLI has none; the running bot does).
    Each row is tried at most once per call: a retry is due later, never within this call.
    """
    report = DeliveryReport()
    recorder = Recorder(services, now, report, on_progress)
    async with services.sessions.begin() as session:  # one transaction before the sending
        await supersede_stale(session, now)
        await bounces.hold_undeliverable(session)  # addresses that bounce get no more mail
        server = await mailserver.state(session)
    report.paused = await breaker.paused(services, now, server.breaker)
    # Without a sender (FOF_MAIL_FROM) email waits in the outbox, as start-up warned once;
    # claiming it would only fail on every run.
    sending_email = not report.paused and services.settings.mail_from is not None
    channels = [Channel.EMAIL] if sending_email else []
    channels += [Channel.TELEGRAM] if telegram_bot is not None else []
    claims = Claims(services, now, channels, limit, recorder.held)
    watch = breaker.Watch(recorder)
    servers = await _send_claimed(services, claims, watch, telegram_bot, now,
                                  email=sending_email)
    report.paused = report.paused or watch.tripped is not None
    if not report.paused:
        await reachability.after_delivery(services, now, servers,
                                          outage_on_record=server.outage_on_record)
    if report.attempted:
        log.info("delivery: %d sent, %d to retry, %d failed", report.sent, report.retry,
                 report.failed)
    return report
