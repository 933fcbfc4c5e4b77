"""Whether the mail server can be reached, as the delivery worker and the start-up check last
found it, shared by every instance through the database.

An outage is kept as a `ScheduledRun` row of the job `mail-server-down` (no table of its own):
`scheduled_for` is when it began, `ran_at` the last failed try, `outcome` the last error. A
successful connection from any instance deletes it. The breaker (the relay refuses the
sender itself, `bot.mail.breaker`) is kept the same way, below; `outage()` reports it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import Admin, Channel, OutboxMessage, OutboxStatus, Person, ScheduledRun

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
    insert = dialect_insert(session)
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


async def outage(session: AsyncSession, *, with_breaker: bool = True) -> Outage | None:
    """The current outage, if any (two instances may have started one each: merged); an
    open breaker first (`with_breaker`), as what /outbox and `fof-bot outbox` show."""
    paused = await breaker(session) if with_breaker else None
    if paused is not None:
        return Outage(paused.since, paused.since, f"the mail server refuses the sender, so "
                      f"delivery is paused until it accepts again (checked every minute): "
                      f"{paused.error}")
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


# The breaker: the relay refused the sender itself, so email delivery is paused (rows stay
# pending). One row of job `mail-breaker` at a fixed `scheduled_for`: the unique (job,
# scheduled_for) makes opening it a race that exactly one instance wins (that one alerts).
# `ran_at` is when it opened, `outcome` the relay's answer, `claimed_until` when the next probe
# may run (and `claimed_by` who probes), so instances do not all probe at once.
BREAKER_JOB = "mail-breaker"
BREAKER_SLOT = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Breaker:
    since: datetime
    error: str  # the relay's answer
    next_probe: datetime | None


def _insert(session: AsyncSession):
    return dialect_insert(session)


async def open_breaker(session: AsyncSession, *, at: datetime, error: str,
                       next_probe: datetime) -> bool:
    """Open the breaker; True for the one caller that opened it (False: it was open)."""
    result = await session.exec(  # type: ignore[call-overload]
        _insert(session)(ScheduledRun)
        .values(job=BREAKER_JOB, scheduled_for=BREAKER_SLOT, ran_at=at, outcome=error[:200],
                claimed_until=next_probe)
        .on_conflict_do_nothing(index_elements=["job", "scheduled_for"])
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class ServerState:
    """What a delivery run needs to know before it sends: the open breaker, if any, and
    whether an outage is on record (the run clears it once the server answers)."""

    breaker: Breaker | None
    outage_on_record: bool


@cache
def _state_statement():
    t = ScheduledRun.__table__  # type: ignore[attr-defined]
    return select(t.c.job, t.c.ran_at, t.c.outcome, t.c.claimed_until).where(
        t.c.job.in_([BREAKER_JOB, JOB]))


async def state(session: AsyncSession) -> ServerState:
    """Read before every delivery run: one statement, built once (as those of `outbox_sql`)."""
    rows = (await (await session.connection()).execute(_state_statement())).all()
    open_breaker = next((Breaker(*row[1:]) for row in rows if row[0] == BREAKER_JOB), None)
    return ServerState(open_breaker, any(row[0] == JOB for row in rows))


async def breaker(session: AsyncSession) -> Breaker | None:
    return (await state(session)).breaker


async def claim_probe(session: AsyncSession, *, now: datetime, until: datetime,
                      owner: str | None) -> bool:
    """Take the next probe if it is due (one instance at a time); True when taken."""
    result = await session.exec(  # type: ignore[call-overload]
        update(ScheduledRun)
        .where(col(ScheduledRun.job) == BREAKER_JOB,
               or_(col(ScheduledRun.claimed_until).is_(None),
                   col(ScheduledRun.claimed_until) <= now))
        .values(claimed_until=until, claimed_by=owner)
    )
    return bool(result.rowcount)


async def note_probe_failed(session: AsyncSession, error: str) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(ScheduledRun).where(col(ScheduledRun.job) == BREAKER_JOB)
        .values(outcome=error[:200])
    )


async def close_breaker(session: AsyncSession) -> bool:
    """The relay accepts again; True when this call closed it."""
    result = await session.exec(  # type: ignore[call-overload]
        delete(ScheduledRun).where(col(ScheduledRun.job) == BREAKER_JOB))
    return bool(result.rowcount)


async def probe_recipients(session: AsyncSession, limit: int = 3) -> list[str]:
    """Recipients of the oldest pending email rows (distinct): whom a probe asks RCPT for."""
    found = await session.exec(
        select(OutboxMessage.recipient)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING,
               col(OutboxMessage.channel) == Channel.EMAIL)
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id)).limit(limit * 10))
    return list(dict.fromkeys(found.all()))[:limit]


async def admin_chats(session: AsyncSession) -> list[tuple[int, str | None]]:
    """(Telegram id, language of the linked contact if any) of every administrator."""
    found = await session.exec(
        select(Admin.telegram_id, Person.language)
        .join(Person, col(Person.telegram_id) == col(Admin.telegram_id), isouter=True)
        .order_by(col(Admin.id)))
    return [(int(telegram_id), language) for telegram_id, language in found.all()]
