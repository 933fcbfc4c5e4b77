"""The delivery worker: claim due outbox rows, send them, record each result.

Modelled on Mailman's outgoing runner: the sender (`send_batch`) only sends and reports, per row,
whether it was delivered, failed temporarily or failed permanently; the worker (`deliver_due`)
owns the policy: exponential backoff with jitter for up to 24 hours, then the row is parked as
failed with the server's answer, visible in /outbox and `fof-bot outbox`, never dropped.

Crash safety: rows are leased (`claimed_until`) and the lease is committed before anything is
sent; results are recorded one by one as they come. A crash in between lets the lease expire
and the row is sent again: at worst a resend (with the same Message-ID), never a loss.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import aiosmtplib

from bot.config import Settings
from bot.services import Services
from storage import outbox
from storage.models import Channel, Person
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

BATCH = 50  # rows claimed per transaction
CONCURRENCY = 3  # SMTP connections per run, each reused for its share of the batch
# Longer than the slowest batch (50 rows / 3 connections x 30 s timeout = 500 s), so a live
# worker never loses its lease; a crashed worker's rows are sent again once it runs out.
LEASE = timedelta(minutes=15)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
GIVE_UP_AFTER = timedelta(hours=24)
SMTP_TIMEOUT = 30.0


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""
    retry_after: timedelta | None = None  # the server asked us to wait this long (Telegram)
    unreachable: bool = False  # the Telegram user blocked the bot


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (recipient, reason)

    @property
    def attempted(self) -> int:
        return self.sent + self.retry + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retry += other.retry
        self.failed += other.failed
        self.failures += other.failures


def classify_code(code: int, message: str) -> Result:
    """4xx: try again later; 5xx: the server will never take it; anything else: try again."""
    detail = f"{code} {message}".strip()
    if 500 <= code < 600:
        return Result(Outcome.PERMANENT, detail)
    return Result(Outcome.TEMPORARY, detail)


class SmtpConnection:
    """One aiosmtplib client, connected on first use and reused for every following message.

    A 421 makes aiosmtplib drop the connection: the next message reconnects. Errors of the
    connection itself (refused, timeout, login) are temporary for every row, never permanent:
    a wrong password must not fail the whole queue.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            timeout=SMTP_TIMEOUT,
        )
        self.connection_error: str | None = None  # set when connecting failed in this run

    async def _connect(self) -> str | None:
        try:
            await self.client.connect()
        except aiosmtplib.SMTPResponseException as exc:
            # a 554 greeting or a 535 login failure is the server's state, not the message's
            self.client.close()
            return f"cannot use mail server: {exc.code} {exc.message}"
        except (OSError, aiosmtplib.SMTPException) as exc:
            self.client.close()
            return f"cannot reach mail server {self.settings.smtp_host}:" \
                   f"{self.settings.smtp_port}: {exc}"
        return None

    async def send(self, sender: str, recipient: str, body: str) -> Result:
        if self.connection_error is not None:
            return Result(Outcome.TEMPORARY, self.connection_error)
        reused = self.client.is_connected
        if not reused:
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return Result(Outcome.TEMPORARY, error)
        result = await self._send_once(sender, recipient, body)
        if result is None and reused:
            # the server closed an idle connection: one fresh try before calling it temporary
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return Result(Outcome.TEMPORARY, error)
            result = await self._send_once(sender, recipient, body)
        return result or Result(Outcome.TEMPORARY, "mail server closed the connection")

    async def _send_once(self, sender: str, recipient: str, body: str) -> Result | None:
        """The result, or None when the connection was found closed before anything was said."""
        try:
            refused, response = await self.client.sendmail(sender, [recipient], body)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            return classify_code(first.code, first.message)
        except aiosmtplib.SMTPServerDisconnected:
            self.client.close()
            return None
        except aiosmtplib.SMTPResponseException as exc:
            # 421 closes the connection inside aiosmtplib; the next send reconnects
            return classify_code(exc.code, exc.message)
        except (OSError, aiosmtplib.SMTPException) as exc:
            self.client.close()
            return Result(Outcome.TEMPORARY, f"connection lost: {exc}")
        except ValueError as exc:  # an address aiosmtplib refuses to put on the wire
            return Result(Outcome.PERMANENT, f"invalid address: {exc}")
        if refused:
            code, message = refused[recipient] if recipient in refused else (450, str(refused))
            return classify_code(code, message)
        return Result(Outcome.SENT, response)

    async def close(self) -> None:
        if self.client.is_connected:
            try:
                await self.client.quit()
            except (OSError, aiosmtplib.SMTPException):
                self.client.close()


ResultCallback = Callable[[OutboxRow, Result], Awaitable[None]]


async def send_batch(
    settings: Settings,
    rows: Sequence[OutboxRow],
    *,
    on_result: ResultCallback,
    concurrency: int = CONCURRENCY,
) -> None:
    """Send email rows over at most `concurrency` reused connections; report each row's result.

    Calls on one aiosmtplib client are serialised, so parallel delivery needs one client per
    worker; every worker takes the next row from one shared queue.
    """
    sender = settings.require_mail_from()
    queue: asyncio.Queue[OutboxRow] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        connection = SmtpConnection(settings)
        try:
            while not queue.empty():
                row = queue.get_nowait()
                await on_result(row, await connection.send(sender, row.recipient, row.body))
        finally:
            await connection.close()

    workers = max(1, min(concurrency, len(rows)))
    await asyncio.gather(*(worker() for _ in range(workers)))


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` tries: doubling from 1 minute up to 2 hours,
    with jitter (50-100 %) so a queue that failed together does not retry together."""
    base = min(FIRST_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)
    return base * (rng or random).uniform(0.5, 1.0)


async def _record(services: Services, row: OutboxRow, result: Result, now: datetime,
                  report: DeliveryReport) -> None:
    async with services.sessions.begin() as session:
        if result.outcome == Outcome.SENT:
            await outbox.mark_sent(session, row.id, now=now)
            report.sent += 1
            return
        if result.unreachable and row.person_id is not None:
            person = await session.get(Person, row.person_id)
            if person is not None:
                person.telegram_unreachable = True
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
    from bot.mail import reminders, telegram  # local: reminders builds on this module

    report = DeliveryReport()
    channels = [Channel.EMAIL] + ([Channel.TELEGRAM] if telegram_bot is not None else [])
    async with services.sessions.begin() as session:
        await reminders.supersede_stale(session, now)
    remaining = limit
    while remaining is None or remaining > 0:
        size = BATCH if remaining is None else min(BATCH, remaining)
        async with services.sessions.begin() as session:
            rows = await outbox.claim_due(session, now=now, lease=LEASE, limit=size,
                                          channels=channels)
        if not rows:
            break
        if remaining is not None:
            remaining -= len(rows)

        async def on_result(row: OutboxRow, result: Result) -> None:
            await _record(services, row, result, now, report)
            if on_progress is not None:
                on_progress(row, result)

        email_rows = [r for r in rows if r.channel == Channel.EMAIL]
        telegram_rows = [r for r in rows if r.channel == Channel.TELEGRAM]
        # Cancelled mid-batch (shutdown): unsent rows keep their lease and go out after it.
        if email_rows:
            await send_batch(services.settings, email_rows, on_result=on_result)
        for row in telegram_rows:  # one by one: PTB's rate limiter paces them
            await on_result(row, await telegram.send(telegram_bot, row))
    if report.attempted:
        log.info("delivery: %d sent, %d to retry, %d failed", report.sent, report.retry,
                 report.failed)
    return report
