"""Audit entries: who changed what, when, before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _
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
    MEETING_ANSWER = "meeting.answer"  # an attendance answer: after {answer, via, person, email}
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
    DENIED = "denied"  # refused administrator commands: one entry per user, command and hour
    IMPORT = "import"  # one CSV import: its file, its counts, and the changes of its rows
    ADDRESS_BOUNCES = "address.bounces"  # an address made undeliverable by its bounces
    ADDRESS_CLEARED = "address.cleared"  # an administrator let mail go to it again
    # older entries of calendar replies (now MEETING_ANSWER with via "calendar reply"); /audit
    # still reads them
    ATTENDANCE_ANSWER = "attendance.answer"


DENIAL_WINDOW = timedelta(hours=1)
_COLLECTING = "audit.collecting"


@contextmanager
def collecting(session: AsyncSession) -> Iterator[list[AuditEntry]]:
    """Within this block, entries are collected in the list instead of written.

    A bulk change (an import) uses the storage functions as they are and then writes ONE entry
    of its own, holding what they collected.
    """
    kept: list[AuditEntry] = []
    previous = session.info.get(_COLLECTING)
    session.info[_COLLECTING] = kept
    try:
        yield kept
    finally:
        if previous is None:
            session.info.pop(_COLLECTING, None)
        else:
            session.info[_COLLECTING] = previous


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
    kept = session.info.get(_COLLECTING)
    if kept is not None:
        kept.append(entry)
        return entry
    session.add(entry)
    await session.flush()
    return entry


async def record_denied(
    session: AsyncSession, *, at: datetime, actor: str | int, command: str, attempted: str,
) -> AuditEntry:
    """A refused command: counted in the user's entry for that command within the last hour.

    A flood of refusals makes one entry, its `after` holding the first attempt and, from the
    second on, the count and the last time and attempt, rather than a hundred entries hiding
    everything else.
    """
    found = await session.exec(
        select(AuditEntry)
        .where(AuditEntry.action == AuditAction.DENIED, AuditEntry.actor == str(actor),
               AuditEntry.subject == command[:200], AuditEntry.at > at - DENIAL_WINDOW)
        .order_by(col(AuditEntry.at).desc())
        .limit(1)
    )
    entry = found.first()
    if entry is None:
        return await record(session, at=at, actor=actor, action=AuditAction.DENIED,
                            subject=command, after={"attempted": attempted[:200]})
    after = dict(entry.after or {})
    after.update(count=int(after.get("count", 1)) + 1, last_at=at.isoformat(),
                 last_attempted=attempted[:200])
    entry.after = after  # a new dict: SQLAlchemy sees JSON changes only by assignment
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
        return _("yes") if value else _("no")
    return str(value)


def describe(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What an entry changed, in words: only the fields that differ."""
    if before is None and after is None:
        return ""
    if before is None and after is not None and "attempted" in after:
        return _("attempted: {text}", text=after["attempted"])
    if before is None:
        shown = {k: v for k, v in (after or {}).items() if v not in (None, "", False)}
        return _("new: {fields}", fields=", ".join(f"{k} {_show(v)}" for k, v in shown.items()))
    if after is None:
        return _("removed: {fields}", fields=", ".join(
            f"{k} {_show(v)}" for k, v in before.items() if v not in (None, "", False)))
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    if not keys:
        return _("no change")
    return "; ".join(f"{k}: {_show(before.get(k))} → {_show(after.get(k))}" for k in keys)
