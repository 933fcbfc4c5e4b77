"""Whether the mail server can be reached, as the delivery worker and the start-up check last
found it, shared by every instance through the database.

An outage is kept as a `ScheduledRun` row of the job `mail-server-down` (no table of its own):
`scheduled_for` is when it began, `ran_at` the last failed try, `outcome` the last error. A
successful connection from any instance deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ScheduledRun

JOB = "mail-server-down"


@dataclass(frozen=True)
class Outage:
    since: datetime  # the first failed try of this outage
    last_try: datetime
    error: str  # what the last try found


async def note_unreachable(session: AsyncSession, *, at: datetime, error: str) -> None:
    """Start an outage at `at`, or extend the current one with the latest error."""
    error = error[:200]
    changed = await session.exec(  # type: ignore[call-overload]
        update(ScheduledRun).where(col(ScheduledRun.job) == JOB)
        .values(ran_at=at, outcome=error)
    )
    if changed.rowcount:
        return
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.exec(  # type: ignore[call-overload]
        insert(ScheduledRun)
        .values(job=JOB, scheduled_for=at, ran_at=at, outcome=error)
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
    )


async def note_reachable(session: AsyncSession) -> None:
    """The server answered: no outage any more."""
    await session.exec(  # type: ignore[call-overload]
        delete(ScheduledRun).where(col(ScheduledRun.job) == JOB)
    )


async def outage(session: AsyncSession) -> Outage | None:
    """The current outage, if any (two instances may have started one each: merged)."""
    found = await session.exec(
        select(func.min(ScheduledRun.scheduled_for), func.max(ScheduledRun.ran_at))
        .where(col(ScheduledRun.job) == JOB)
    )
    since, last_try = found.one()
    if since is None:
        return None
    latest = await session.exec(
        select(ScheduledRun.outcome).where(col(ScheduledRun.job) == JOB)
        .order_by(col(ScheduledRun.ran_at).desc()).limit(1)
    )
    return Outage(since, last_try, latest.first() or "")
