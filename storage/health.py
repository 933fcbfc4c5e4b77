"""What /healthz asks the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, OutboxStatus


async def ping(session: AsyncSession) -> None:
    """A `SELECT 1`: raises when the database cannot be reached."""
    await session.exec(select(literal(1)))


async def oldest_pending(session: AsyncSession) -> datetime | None:
    """When the oldest message still waiting for delivery was queued."""
    found = await session.exec(select(func.min(OutboxMessage.created_at))
                               .where(OutboxMessage.status == OutboxStatus.PENDING))
    return found.one()
