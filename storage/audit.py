"""Audit entries: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry

DENIED = "denied"


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str | int,
    action: str,
    subject: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor=str(actor),
        action=action,
        subject=subject[:200],
        before=before,
        after=after,
    )
    session.add(entry)
    await session.flush()
    return entry


async def latest(session: AsyncSession, limit: int = 20) -> list[AuditEntry]:
    result = await session.exec(
        select(AuditEntry)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list(result.all())


async def since(session: AsyncSession, moment: datetime) -> list[AuditEntry]:
    result = await session.exec(
        select(AuditEntry)
        .where(AuditEntry.at > moment, AuditEntry.action != DENIED)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(result.all())
