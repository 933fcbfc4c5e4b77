"""The outbox: every message is a row first, keyed so that enqueuing twice is harmless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

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
    values = dict(
        key=key,
        channel=channel,
        recipient=recipient,
        person_id=person_id,
        kind=kind,
        subject=subject[:300],
        body=body,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["key"]
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)
