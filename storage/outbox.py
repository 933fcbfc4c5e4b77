"""The outbox: every message is a row first, keyed so that enqueuing twice is harmless."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox_sql
from storage.db import dialect_insert
from storage.models import Channel, OutboxMessage, OutboxStatus


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    recipient: str,
    kind: str,
    body: str,
    now: datetime,
    subject: str = "",
    channel: str = Channel.EMAIL,
    person_id: int | None = None,
) -> bool:
    """Add a message unless one with this key exists; True when it was added."""
    values = _row(key=key, recipient=recipient, kind=kind, now=now, subject=subject,
                  channel=channel, person_id=person_id)
    insert = dialect_insert(session)
    statement = (insert(OutboxMessage).values(**values)
                 .on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id))
    added = (await session.exec(statement)).first()  # type: ignore[call-overload]
    if added is None:
        return False
    await _add_bodies(session, [{"id": added[0], "body": body}])
    return True


@dataclass(frozen=True)
class NewMessage:
    """One message to enqueue with others (`enqueue_many`)."""

    key: str
    recipient: str
    kind: str
    body: str
    subject: str = ""
    channel: str = Channel.EMAIL
    person_id: int | None = None


async def enqueue_many(session: AsyncSession, messages: list[NewMessage], *,
                       now: datetime) -> set[str]:
    """Add a batch of messages in ONE statement, skipping keys that exist; the keys added.

    Callers keep batches to a few hundred rows (each row is 10 parameters, and its body 2).
    """
    if not messages:
        return set()
    insert = dialect_insert(session)
    table = outbox_sql.MESSAGES
    # One statement compiled once and executed for every row (SQLAlchemy's "insertmanyvalues"
    # batches them into multi-row INSERTs): building one VALUES clause of a few thousand bound
    # parameters in Python per batch cost more than the database's work.
    statement = (insert(table).on_conflict_do_nothing(index_elements=["key"])
                 .returning(table.c.id, table.c.key))
    connection = await session.connection()  # the session's transaction
    result = await connection.execute(statement, [
        _row(key=m.key, recipient=m.recipient, kind=m.kind, now=now,
             subject=m.subject, channel=m.channel, person_id=m.person_id) for m in messages])
    added = {key: row_id for row_id, key in result.all()}
    await _add_bodies(session, [{"id": added[m.key], "body": m.body}
                                for m in messages if m.key in added])
    return set(added)


async def _add_bodies(session: AsyncSession, bodies: list[dict]) -> None:
    """The bodies of rows just added (their own table: see OutboxBody)."""
    if bodies:
        table = outbox_sql.BODIES
        await (await session.connection()).execute(table.insert(), bodies)


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these keys are in the outbox already (any status): one query."""
    wanted = list(keys)
    if not wanted:
        return set()
    result = await session.exec(
        select(OutboxMessage.key).where(col(OutboxMessage.key).in_(wanted)))
    return set(result.all())


def _row(*, key: str, recipient: str, kind: str, now: datetime, subject: str,
         channel: str, person_id: int | None) -> dict[str, object]:
    return dict(
        key=key,
        channel=channel,
        recipient=recipient,
        person_id=person_id,
        kind=kind,
        subject=subject[:300],
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


# A pending reminder made stale by a later change of its meeting is parked with this status:
# kept for the record, never sent. (Status is a plain string column; no schema change.)
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class OutboxRow:
    """What the delivery worker needs of one claimed row (a plain value, no session)."""

    id: int
    key: str
    channel: str
    recipient: str
    person_id: int | None
    kind: str
    body: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Failure:
    id: int
    key: str
    recipient: str
    kind: str
    subject: str
    attempts: int
    last_error: str
    at: datetime | None


async def count_due(session: AsyncSession, now: datetime, channels: Iterable[str]) -> int:
    statement = select(func.count()).select_from(outbox_sql.MESSAGES).where(*outbox_sql.due())
    result = await (await session.connection()).execute(
        statement, {"now": now, "lease_now": now, "channels": list(channels)})
    return int(result.scalar_one())


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    channels: Iterable[str] = (Channel.EMAIL,),
    owner: str | None = None,
    leased_at: datetime | None = None,
) -> list[OutboxRow]:
    """Lease up to `limit` rows due at `now` to `owner` until leased_at + lease.

    `leased_at` is the current time (default `now`): a lease is free once it has run out then.
    The caller commits right away and sends outside the transaction: a crash before the result is
    recorded lets the lease run out and the row is sent again (at worst a resend, never a loss).
    On PostgreSQL, FOR UPDATE SKIP LOCKED keeps two workers off the same rows without waiting;
    the conditional UPDATE does the same job on SQLite (whose writers take turns).
    """
    leased_at = now if leased_at is None else leased_at
    connection = await session.connection()  # the session's transaction
    claimed = await connection.execute(outbox_sql.claim(), {
        "now": now, "lease_now": leased_at, "channels": list(channels), "limit": limit,
        "until": leased_at + lease, "owner": owner})
    rows = sorted(claimed.all(), key=_claim_order)
    # plain values straight from the UPDATE and one read of the bodies, no ORM object per row
    bodies = await _bodies(session, [row[0] for row in rows])
    return [OutboxRow(*head, bodies.get(head[0], ""), attempts, created_at)
            for *head, attempts, created_at, _ in rows]


def _claim_order(row) -> tuple[datetime, int]:
    return row[-1], row[0]


async def _bodies(session: AsyncSession, row_ids: list[int]) -> dict[int, str]:
    if not row_ids:
        return {}
    found = await (await session.connection()).execute(outbox_sql.bodies(), {"ids": row_ids})
    return dict(found.all())


async def renew(session: AsyncSession, row_ids: Iterable[int], *, owner: str | None,
                until: datetime) -> int:
    """Extend the lease of rows this owner still holds (a long batch keeps its rows)."""
    ids = list(row_ids)
    if not ids:
        return 0
    result = await (await session.connection()).execute(
        outbox_sql.renew(owner is not None), {"ids": ids, "owner": owner, "until": until})
    return int(result.rowcount)


async def mark_sent(session: AsyncSession, row_id: int, *, now: datetime) -> None:
    await mark_sent_many(session, [row_id], now=now)


async def mark_retry(
    session: AsyncSession, row_id: int, *, error: str, next_attempt_at: datetime
) -> None:
    await mark_retry_many(session, [(row_id, error, next_attempt_at)])


async def mark_failed(session: AsyncSession, row_id: int, *, error: str) -> None:
    """Park the row as failed with the reason; it stays visible and can be retried."""
    await mark_failed_many(session, [(row_id, error)])


async def mark_sent_many(session: AsyncSession, row_ids: Iterable[int], *,
                         now: datetime) -> None:
    """Record rows as sent, in one UPDATE (the delivery worker records a batch at a time)."""
    ids = list(row_ids)
    if ids:
        await (await session.connection()).execute(outbox_sql.sent(), {"ids": ids, "now": now})


async def _update_each(session: AsyncSession, values: dict, params: list[dict]) -> None:
    """One UPDATE by id, executed for many rows at once (executemany)."""
    if not params:
        return
    table = outbox_sql.MESSAGES
    statement = (update(table).where(table.c.id == bindparam("row_id"))
                 .values(claimed_until=None, claimed_by=None,
                         last_error=bindparam("error"),
                         attempts=table.c.attempts + 1, **values))
    connection = await session.connection()  # the session's transaction
    await connection.execute(statement, params)


async def mark_retry_many(
    session: AsyncSession, retries: Iterable[tuple[int, str, datetime]]
) -> None:
    """(row id, error, next attempt at) for each row to try again later."""
    await _update_each(session, {"next_attempt_at": bindparam("next_at")},
                       [{"row_id": row_id, "error": error[:2000], "next_at": at}
                        for row_id, error, at in retries])


async def mark_failed_many(session: AsyncSession, failures: Iterable[tuple[int, str]]) -> None:
    """(row id, reason) for each row parked as failed; they stay visible and can be retried."""
    await _update_each(session, {"status": OutboxStatus.FAILED},
                       [{"row_id": row_id, "error": error[:2000]}
                        for row_id, error in failures])


async def release(session: AsyncSession, row_ids: Iterable[int]) -> None:
    """Give claimed rows back unchanged (their send was never tried)."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(row_ids)))
        .values(claimed_until=None, claimed_by=None)
    )


async def pending_with_prefixes(session: AsyncSession,
                                *prefixes: str) -> list[tuple[int, str]]:
    """(id, key) of pending rows whose key starts with one of `prefixes` (one statement)."""
    result = await (await session.connection()).execute(outbox_sql.pending_with(prefixes))
    return [(row_id, key) for row_id, key in result.all()]


async def keys_with_prefix(session: AsyncSession, prefix: str) -> dict[str, datetime]:
    """Every key starting with `prefix` (any status), with when it was queued."""
    result = await session.exec(
        select(OutboxMessage.key, OutboxMessage.created_at).where(
            col(OutboxMessage.key).startswith(prefix, autoescape=True)
        )
    )
    return dict(result.all())


async def supersede(session: AsyncSession, row_ids: Iterable[int], *, reason: str) -> int:
    """Park pending rows that a later change made stale (only if still pending)."""
    ids = list(row_ids)
    if not ids:
        return 0
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids),
               col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=SUPERSEDED, last_error=reason[:2000], claimed_until=None)
    )
    return int(result.rowcount)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Rows per status (pending, sent, failed, superseded), zero when none."""
    result = await session.exec(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    found = dict(result.all())
    return {status: int(found.get(status, 0))
            for status in (OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.FAILED,
                           SUPERSEDED)}


async def oldest_pending(session: AsyncSession) -> OutboxMessage | None:
    result = await session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        .limit(1)
    )
    return result.first()


async def failures(session: AsyncSession, limit: int | None = None) -> list[Failure]:
    statement = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.FAILED)
        .order_by(col(OutboxMessage.id))
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.exec(statement)
    return [
        Failure(m.id or 0, m.key, m.recipient, m.kind, m.subject, m.attempts,
                m.last_error or "", m.sent_at or m.next_attempt_at)
        for m in result.all()
    ]


async def retry_failed(session: AsyncSession, *, now: datetime) -> int:
    """Put every failed row back in the queue for a fresh 24 hours of attempts.

    `created_at` is reset because the retry deadline counts from it (re-queued now).
    """
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
                claimed_until=None)
    )
    return int(result.rowcount)
