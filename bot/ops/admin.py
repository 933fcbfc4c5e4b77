"""Administration: refused attempts, administrators, the audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.services import Services
from storage import audit, people
from storage.errors import Rejected
from storage.people import Viewer

log = logging.getLogger(__name__)

AUDIT_MAX = 200


@dataclass(frozen=True)
class AdminEntry:
    telegram_id: int
    name: str | None  # of the linked contact, if any
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    change: str  # the fields that differ, in words; "" when nothing is recorded


def require_admin(viewer: Viewer) -> None:
    """The guard refuses non-administrators first; this keeps the rule true for other callers."""
    if not viewer.is_admin:
        raise Rejected("Only administrators of the support structure may do this.")


async def record_refusal(services: Services, viewer: Viewer, command: str,
                         attempted: str) -> None:
    """Log every refused administrator command; audit it, counted per user, command and hour."""
    log.warning("refused /%s to non-admin %s", command, viewer.telegram_id)
    async with services.sessions.begin() as session:
        await audit.record_denied(session, at=services.now(), actor=viewer.actor,
                                  command=command, attempted=attempted)


async def admin_ids(services: Services) -> list[int]:
    """The Telegram ids of every administrator."""
    async with services.sessions() as session:
        return [entry.telegram_id for entry, _name in await people.list_admins(session)]


async def list_admins(services: Services, viewer: Viewer) -> list[AdminEntry]:
    """Administrators in the order they were added."""
    require_admin(viewer)
    async with services.sessions() as session:
        found = await people.list_admins(session)
    return [AdminEntry(a.telegram_id, name, a.added_by, a.added_at) for a, name in found]


async def add_admin(services: Services, viewer: Viewer, telegram_id: int) -> None:
    require_admin(viewer)
    async with services.sessions.begin() as session:
        await people.add_admin(session, telegram_id, actor=viewer.actor, at=services.now())


async def remove_admin(services: Services, viewer: Viewer, telegram_id: int) -> None:
    """Never yourself and never the last one (storage refuses both)."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        await people.remove_admin(session, telegram_id, actor=viewer.actor, at=services.now())


async def audit_log(services: Services, viewer: Viewer, count: int) -> list[AuditLine]:
    """The latest `count` audit entries (at most AUDIT_MAX), newest first."""
    require_admin(viewer)
    async with services.sessions() as session:
        entries = await audit.latest(session, max(1, min(count, AUDIT_MAX)))
    return [AuditLine(e.at, e.actor, e.action, e.subject, audit.describe(e.before, e.after))
            for e in entries]
