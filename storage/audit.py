"""Audit entries: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry


class AuditAction(StrEnum):
    """Every kind of audit entry: storage writes these, /audit and the digest read them."""

    MEMBER_ADD = "member.add"
    MEMBER_UPDATE = "member.update"
    MEMBER_REMOVE = "member.remove"
    STEERING_ADD = "steering.add"
    STEERING_REMOVE = "steering.remove"
    TROIKA_SET = "troika.set"
    FOCAL_SET = "focal.set"
    MEETING_ADD = "meeting.add"
    MEETING_MOVE = "meeting.move"
    MEETING_CANCEL = "meeting.cancel"
    ACTION_ADD = "action.add"
    ACTION_NOTE = "action.note"
    ACTION_DONE = "action.done"
    ADMIN_ADD = "admin.add"
    ADMIN_REMOVE = "admin.remove"
    SETTINGS_CHANGE = "settings.change"
    PERSON_LINK = "person.link"
    PERSON_UNLINK = "person.unlink"
    DIGEST_RUN = "digest.run"
    OUTBOX_RETRY = "outbox.retry"
    DENIED = "denied"  # a refused administrator command



async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str | int,
    action: AuditAction,
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
        .where(AuditEntry.at > moment, AuditEntry.action != AuditAction.DENIED)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(result.all())


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What an entry changed, in words: only the fields that differ."""
    if before is None and after is None:
        return ""
    if before is None and after is not None and set(after) == {"attempted"}:
        return f"attempted: {after['attempted']}"
    if before is None:
        shown = {k: v for k, v in (after or {}).items() if v not in (None, "", False)}
        return "new: " + ", ".join(f"{k} {_show(v)}" for k, v in shown.items())
    if after is None:
        return "removed: " + ", ".join(f"{k} {_show(v)}" for k, v in before.items()
                                       if v not in (None, "", False))
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    if not keys:
        return "no change"
    return "; ".join(f"{k}: {_show(before.get(k))} → {_show(after.get(k))}" for k in keys)
