"""What /healthz reports: the database reachable, the scheduler running, the mail backlog."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.services import Services
from storage import health

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0  # seconds; a load balancer should not wait on a hung connection


@dataclass(frozen=True)
class Health:
    database: bool
    scheduler: bool
    oldest_pending_seconds: float | None  # age of the oldest mail waiting; None when none

    @property
    def healthy(self) -> bool:
        return self.database and self.scheduler

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": self.database,
            "scheduler": self.scheduler,
            "oldest_pending_mail_seconds": self.oldest_pending_seconds,
        }


async def check(services: Services, *, scheduler_running: bool) -> Health:
    """Ask the database (a `SELECT 1` and the oldest pending mail), with a time limit."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with services.sessions() as session:
                await health.ping(session)
                oldest = await health.oldest_pending(session)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("health check: the database cannot be reached (%s)", type(exc).__name__)
        return Health(False, scheduler_running, None)
    age = None
    if oldest is not None:
        age = round(max(0.0, (services.now() - oldest).total_seconds()), 1)
    return Health(True, scheduler_running, age)
