"""Scheduled runs: which digest fire time has been dealt with (run or skipped), who builds it.

A run is claimed before it is built by inserting its row (unique per job and fire time): the
instance whose insert went in builds it; the others see the row and do nothing. The claim holds
until `claimed_until`; a claim that ran out (its instance died mid-build) may be taken over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import ScheduledRun

FIRST_START = "first-start"  # the job name of the row noting the database's first start


def _insert(session: AsyncSession):
    return dialect_insert(session)


async def already_ran(session: AsyncSession, job: str, scheduled_for: datetime,
                      now: datetime | None = None) -> bool:
    """True when the run is done, or (given `now`) is being built under a live claim.

    A claim that ran out before it was finished (its instance died) does not count.
    """
    statement = select(ScheduledRun.id).where(
        ScheduledRun.job == job, ScheduledRun.scheduled_for == scheduled_for)
    if now is not None:
        statement = statement.where(or_(col(ScheduledRun.claimed_until).is_(None),
                                        col(ScheduledRun.claimed_until) > now))
    found = await session.exec(statement)
    return found.first() is not None


async def record(session: AsyncSession, *, job: str, scheduled_for: datetime, ran_at: datetime,
                 outcome: str) -> None:
    """Note the run; a second note for the same fire time is ignored (two instances)."""
    await session.exec(  # type: ignore[call-overload]
        _insert(session)(ScheduledRun)
        .values(job=job, scheduled_for=scheduled_for, ran_at=ran_at, outcome=outcome[:200])
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
    )


async def claim(session: AsyncSession, *, job: str, scheduled_for: datetime, now: datetime,
                owner: str, lease: timedelta) -> bool:
    """Claim the run of `job` at `scheduled_for`; True when this caller is to build it.

    Atomic on both backends: the unique (job, scheduled_for) lets one insert in; a claim whose
    lease ran out without being finished is taken over by a conditional update.
    """
    inserted = await session.exec(  # type: ignore[call-overload]
        _insert(session)(ScheduledRun)
        .values(job=job, scheduled_for=scheduled_for, ran_at=now, outcome="building",
                claimed_by=owner, claimed_until=now + lease)
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
    )
    if inserted.rowcount:
        return True
    taken = await session.exec(  # type: ignore[call-overload]
        update(ScheduledRun)
        .where(col(ScheduledRun.job) == job, col(ScheduledRun.scheduled_for) == scheduled_for,
               col(ScheduledRun.claimed_until).is_not(None),
               col(ScheduledRun.claimed_until) <= now)
        .values(ran_at=now, claimed_by=owner, claimed_until=now + lease)
    )
    return bool(taken.rowcount)


async def finish(session: AsyncSession, *, job: str, scheduled_for: datetime, owner: str,
                 outcome: str) -> None:
    """The claimed run is done: note the outcome and end the claim."""
    await session.exec(  # type: ignore[call-overload]
        update(ScheduledRun)
        .where(col(ScheduledRun.job) == job, col(ScheduledRun.scheduled_for) == scheduled_for,
               col(ScheduledRun.claimed_by) == owner)
        .values(outcome=outcome[:200], claimed_until=None)
    )


async def release(session: AsyncSession, *, job: str, scheduled_for: datetime,
                  owner: str) -> None:
    """The build failed: drop the claim so that a later start (catch-up) may run it again."""
    await session.exec(  # type: ignore[call-overload]
        delete(ScheduledRun)
        .where(col(ScheduledRun.job) == job, col(ScheduledRun.scheduled_for) == scheduled_for,
               col(ScheduledRun.claimed_by) == owner,
               col(ScheduledRun.claimed_until).is_not(None))
    )


async def note_first_start(session: AsyncSession, now: datetime) -> None:
    """Note the database's first start (once; later starts change nothing)."""
    if await first_start(session) is None:
        await record(session, job=FIRST_START, scheduled_for=now, ran_at=now,
                     outcome="the database's first start")


async def first_start(session: AsyncSession) -> datetime | None:
    """When the database was first started (None before its first start)."""
    found = await session.exec(select(ScheduledRun.scheduled_for)
                               .where(ScheduledRun.job == FIRST_START)
                               .order_by(col(ScheduledRun.scheduled_for)).limit(1))
    return found.first()
