"""Claiming the outbox's due rows a batch at a time, one batch ahead of the sending.

While one batch is being sent the next is claimed, so the senders do not wait for the database
between batches; the first claim is small (`FIRST`), so the sending starts at once. A claimed
row joins `held` at once (its lease is renewed from then on, even while it waits for its
turn); a batch shorter than asked for means nothing more was due, and no further claim is
made in this run.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from bot.services import Services
from storage import outbox
from storage.models import Channel
from storage.outbox import OutboxRow

BATCH = 200  # rows claimed per transaction
FIRST = 30  # the run's first claim: small, so that sending starts before a full batch is read
# The default lease (FOF_DELIVERY_LEASE_SECONDS): short, because it is renewed while a batch is
# sending; a killed instance's rows go to another instance within a lease and a delivery tick.
LEASE = timedelta(seconds=60)


def lease_of(services: Services) -> timedelta:
    return timedelta(seconds=services.settings.delivery_lease_seconds)


class Claims:
    """The claims of one delivery run: `ahead()` starts the next, `next()` waits for it."""

    def __init__(self, services: Services, now: datetime, channels: list[str],
                 limit: int | None, held: set[int]) -> None:
        self.services = services
        self.now = now
        self.channels = list(channels)
        self.remaining = limit  # None: no limit
        self.held = held
        self.exhausted = not self.channels
        self._pending: asyncio.Task[list[OutboxRow]] | None = None
        self._asked = 0
        self._again = False  # claim once more even after a short batch

    def ahead(self) -> None:
        """Start claiming the next batch, unless a claim is under way or nothing is left."""
        if self._pending is not None or self.exhausted:
            return
        size = BATCH if self._asked else min(FIRST, BATCH)
        size = size if self.remaining is None else min(size, self.remaining)
        if size <= 0:
            self.exhausted = True
            return
        self._asked = size
        self._pending = asyncio.create_task(self._claim(size, list(self.channels)))

    async def _claim(self, size: int, channels: list[str]) -> list[OutboxRow]:
        services = self.services
        async with services.sessions.begin() as session:
            rows = await outbox.claim_due(session, now=self.now, lease=lease_of(services),
                                          limit=size, channels=channels,
                                          owner=services.instance,
                                          leased_at=max(self.now, services.now()))
        self.held.update(row.id for row in rows)
        return rows

    async def next(self) -> list[OutboxRow]:
        """The batch claimed ahead (empty when none was, or nothing was due)."""
        if self._pending is None:
            return []
        pending, self._pending = self._pending, None
        rows = await pending
        if self.remaining is not None:
            self.remaining -= len(rows)
        if len(rows) < self._asked and not self._again:
            self.exhausted = True
        self._again = False
        return rows

    def without_email(self) -> None:
        """Email is paused: claim only Telegram from now on, once more at least (the
        breaker's alert to the administrators was queued after the last claim); once only."""
        if Channel.EMAIL not in self.channels:
            return
        self.channels = [c for c in self.channels if c != Channel.EMAIL]
        self.exhausted = not self.channels
        self._again = self._pending is not None and not self.exhausted
        self.ahead()

    def cancel(self) -> None:
        """The run ends: a claim under way is abandoned (rolled back, or its rows keep their
        lease and are sent once it runs out)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.cancel()
            pending.add_done_callback(_retrieved)


def _retrieved(task: asyncio.Task) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()

