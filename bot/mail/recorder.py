"""Recording delivery results a batch at a time (one transaction per flush, not per message).

The delivery worker hands every result to a `Recorder`; the recorder keeps them in memory and
writes them in one transaction every `FLUSH_ROWS` results, every `FLUSH_SECONDS`, and at the end
of the delivery run. A result that is not written yet is still a pending row leased to this
instance (its id stays in `held`, so its lease is renewed): a crash before the flush lets the
lease run out and the row is sent again - at worst a resend of what was in flight, never a loss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.mail.outcomes import GIVE_UP_AFTER, DeliveryReport, Outcome, Result, backoff
from bot.services import Services
from storage import mailing, outbox
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

FLUSH_ROWS = 200  # results written per transaction at most (a claimed batch)
FLUSH_SECONDS = 0.5  # a result waits at most about this long in memory


@dataclass(frozen=True)
class Decision:
    """What the worker's policy makes of one result: sent, retry (at `retry_at`) or failed."""

    row: OutboxRow
    result: Result
    verdict: str  # "sent", "retry" or "failed"
    reason: str = ""
    retry_at: datetime | None = None


def decide(row: OutboxRow, result: Result, now: datetime) -> Decision:
    """Backoff with jitter for up to 24 hours after the row was queued, then failed."""
    if result.outcome == Outcome.SENT:
        return Decision(row, result, "sent")
    deadline = row.created_at + GIVE_UP_AFTER
    if result.outcome == Outcome.TEMPORARY and now < deadline:
        # at least a second ahead: a row is never tried twice within one deliver_due call
        wait = max(result.retry_after or backoff(row.attempts + 1), timedelta(seconds=1))
        return Decision(row, result, "retry", result.detail, min(now + wait, deadline))
    reason = result.detail
    if result.outcome == Outcome.TEMPORARY:
        reason = f"gave up after 24 hours: {reason}"
    return Decision(row, result, "failed", reason)


async def write(services: Services, decisions: list[Decision], now: datetime) -> None:
    """Record decisions in one transaction (bulk UPDATEs)."""
    async with services.sessions.begin() as session:
        await outbox.mark_sent_many(session, [d.row.id for d in decisions
                                              if d.verdict == "sent"], now=now)
        await outbox.mark_retry_many(session, [(d.row.id, d.reason, d.retry_at)
                                               for d in decisions if d.verdict == "retry"])
        await outbox.mark_failed_many(session, [(d.row.id, d.reason) for d in decisions
                                                if d.verdict == "failed"])
        for d in decisions:
            if d.verdict != "sent" and d.result.unreachable and d.row.person_id is not None:
                await mailing.mark_telegram_unreachable(session, d.row.person_id)


def _count(report: DeliveryReport, decision: Decision) -> None:
    recipient = decision.row.recipient
    if decision.verdict == "sent":
        report.sent += 1
    elif decision.verdict == "retry":
        report.retry += 1
        log.info("delivery to %s deferred: %s", recipient, decision.reason)
    else:
        report.failed += 1
        report.failures.append((recipient, decision.reason))
        log.warning("delivery to %s failed: %s", recipient, decision.reason)


class Recorder:
    """Collects results and writes them in batches; `held` loses an id once it is written."""

    def __init__(self, services: Services, now: datetime, report: DeliveryReport,
                 on_progress: Callable[[OutboxRow, Result], None] | None = None) -> None:
        self.services = services
        self.now = now
        self.report = report
        self.on_progress = on_progress
        self.held: set[int] = set()
        self._waiting: list[Decision] = []
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def add(self, row: OutboxRow, result: Result) -> None:
        self._waiting.append(decide(row, result, self.now))
        if len(self._waiting) >= FLUSH_ROWS and not self._lock.locked():
            self._in_background()  # the senders go on while the results are written

    def _in_background(self) -> None:
        if self._background is None or self._background.done():
            self._background = asyncio.create_task(self._flush_quietly())

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception:  # kept in memory: the next flush (the run's last, at worst) tries again
            log.warning("could not record delivery results yet", exc_info=True)

    async def finish(self) -> None:
        """End of a run: wait for a flush under way, then write the rest (errors raise)."""
        if self._background is not None:
            await self._background
        await self.flush()

    async def flush(self) -> None:
        """Write what is waiting; on an error nothing is forgotten (the next flush retries)."""
        async with self._lock:
            batch = list(self._waiting)
            if not batch:
                return
            await write(self.services, batch, self.now)
            del self._waiting[:len(batch)]  # results added meanwhile stay, in order
            for decision in batch:
                self.held.discard(decision.row.id)
                _count(self.report, decision)
                if self.on_progress is not None:
                    self.on_progress(decision.row, decision.result)

    async def flush_now_and_then(self) -> None:
        """Flush every FLUSH_SECONDS until cancelled (a slow batch still records as it goes)."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self._flush_quietly()
