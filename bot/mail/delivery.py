"""The delivery worker: claim due outbox rows, send them, record each result.

Modelled on Mailman's outgoing runner: the senders (`bot.mail.smtp`, `bot.mail.telegram`) only
send and report, per row, whether it was delivered, failed temporarily or failed permanently;
the worker (`deliver_due`) owns the policy of `bot.mail.outcomes`: backoff with jitter for up to
24 hours, then the row is parked as failed with the server's answer, visible in /outbox and
`fof-bot outbox`, never dropped.

Crash safety and several instances: rows are leased to this instance (`claimed_by`,
`claimed_until`: FOF_DELIVERY_LEASE_SECONDS, 60 s by default) and the lease is committed before
anything is sent; it is renewed every third of its length while the batch is sending, and
results are recorded one by one as they come. An instance that dies stops renewing: its
unrecorded rows are free again once the lease runs out, and another instance sends them (at
worst a resend of the batch in flight, with the same Message-ID, never a loss).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.mail import reachability, telegram
from bot.mail.outcomes import GIVE_UP_AFTER, DeliveryReport, Outcome, Result, backoff
from bot.mail.smtp import ServerSeen, send_batch
from bot.mail.stale import supersede_stale
from bot.services import Services
from storage import mailing, outbox
from storage.models import Channel
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

BATCH = 50  # rows claimed per transaction
# The default lease (FOF_DELIVERY_LEASE_SECONDS): short, because it is renewed while a batch is
# sending; a killed instance's rows go to another instance within a lease and a delivery tick.
LEASE = timedelta(seconds=60)


def lease_of(services: Services) -> timedelta:
    return timedelta(seconds=services.settings.delivery_lease_seconds)


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


async def _send_rows(services: Services, rows: list[OutboxRow], telegram_bot, on_result,
                     now: datetime) -> ServerSeen | None:
    """Send one claimed batch (email over reused connections, Telegram one by one); what the
    batch found of the mail server, when it had email."""
    held = {row.id for row in rows}

    async def recorded(row: OutboxRow, result: Result) -> None:
        await on_result(row, result)
        held.discard(row.id)

    renewing = asyncio.create_task(_keep_leases(services, held, now))
    seen = None
    try:
        email_rows = [r for r in rows if r.channel == Channel.EMAIL]
        # Cancelled mid-batch (shutdown): unsent rows keep their lease and go out after it.
        if email_rows:
            seen = await send_batch(services.settings, email_rows, on_result=recorded)
        for row in rows:  # one by one: PTB's rate limiter paces them
            if row.channel == Channel.TELEGRAM:
                await recorded(row, await telegram.send(telegram_bot, row))
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
    return seen


async def _record(services: Services, row: OutboxRow, result: Result, now: datetime,
                  report: DeliveryReport) -> None:
    async with services.sessions.begin() as session:
        if result.outcome == Outcome.SENT:
            await outbox.mark_sent(session, row.id, now=now)
            report.sent += 1
            return
        if result.unreachable and row.person_id is not None:
            await mailing.mark_telegram_unreachable(session, row.person_id)
        deadline = row.created_at + GIVE_UP_AFTER
        if result.outcome == Outcome.TEMPORARY and now < deadline:
            # at least a second ahead: a row is never tried twice within one deliver_due call
            wait = max(result.retry_after or backoff(row.attempts + 1), timedelta(seconds=1))
            retry_at = now + wait
            await outbox.mark_retry(session, row.id, error=result.detail,
                                    next_attempt_at=min(retry_at, deadline))
            report.retry += 1
            log.info("delivery to %s deferred: %s", row.recipient, result.detail)
            return
        reason = result.detail
        if result.outcome == Outcome.TEMPORARY:
            reason = f"gave up after 24 hours: {reason}"
        await outbox.mark_failed(session, row.id, error=reason)
        report.failed += 1
        report.failures.append((row.recipient, reason))
        log.warning("delivery to %s failed: %s", row.recipient, reason)


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
    channels = [Channel.EMAIL] + ([Channel.TELEGRAM] if telegram_bot is not None else [])

    async def on_result(row: OutboxRow, result: Result) -> None:
        await _record(services, row, result, now, report)
        if on_progress is not None:
            on_progress(row, result)

    async with services.sessions.begin() as session:
        await supersede_stale(session, now)
    remaining = limit
    servers: list[ServerSeen] = []  # what each batch found of the mail server
    while remaining is None or remaining > 0:
        size = BATCH if remaining is None else min(BATCH, remaining)
        async with services.sessions.begin() as session:
            rows = await outbox.claim_due(session, now=now, lease=lease_of(services),
                                          limit=size, channels=channels,
                                          owner=services.instance,
                                          leased_at=max(now, services.now()))
        if not rows:
            break
        if remaining is not None:
            remaining -= len(rows)
        seen = await _send_rows(services, rows, telegram_bot, on_result, now)
        if seen is not None:
            servers.append(seen)
    await reachability.after_delivery(services, now, servers)
    if report.attempted:
        log.info("delivery: %d sent, %d to retry, %d failed", report.sent, report.retry,
                 report.failed)
    return report
