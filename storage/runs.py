"""Scheduled runs: which digest fire time has been dealt with (run or skipped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ScheduledRun


async def already_ran(session: AsyncSession, job: str, scheduled_for: datetime) -> bool:
    found = await session.exec(select(ScheduledRun.id).where(
        ScheduledRun.job == job, ScheduledRun.scheduled_for == scheduled_for))
    return found.first() is not None


async def record(session: AsyncSession, *, job: str, scheduled_for: datetime, ran_at: datetime,
                 outcome: str) -> None:
    """Note the run; a second note for the same fire time is ignored (two instances)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.exec(  # type: ignore[call-overload]
        insert(ScheduledRun)
        .values(job=job, scheduled_for=scheduled_for, ran_at=ran_at, outcome=outcome[:200])
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
    )
