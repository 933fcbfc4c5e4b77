"""Administration: refused attempts, administrators, the audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.audit_text import AuditLine, actor_label, person_label
from bot.i18n import _
from bot.services import Services
from storage import audit, people
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.models import AuditEntry
from storage.people import Viewer

log = logging.getLogger(__name__)

AUDIT_MAX = 200


@dataclass(frozen=True)
class AdminEntry:
    telegram_id: int
    name: str  # the contact's name, else the name Telegram gave, else "user <id>"
    added_by: str  # who added them, by name
    added_at: datetime


def require_admin(viewer: Viewer) -> None:
    """The guard refuses non-administrators first; this keeps the rule true for other callers."""
    if not viewer.is_admin:
        raise Rejected(_("Only administrators of the support structure may do this."))


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
        ids = [a.telegram_id for a, _ in found] + [int(a.added_by) for a, _ in found
                                                   if a.added_by.isdigit()]
        names = await people.known_names(session, ids)
    return [AdminEntry(a.telegram_id, person_label(a.telegram_id, names.get(a.telegram_id)),
                       actor_label(a.added_by, names), a.added_at) for a, _name in found]


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
        names = await people.known_names(session, sorted(_ids_named(entries)))
    return [AuditLine(e.at, e.actor, e.action, e.subject, audit.describe(e.before, e.after),
                      who=actor_label(e.actor, names), before=e.before, after=e.after,
                      subject_name=actor_label(e.subject, names)
                      if e.action in ADMIN_ACTIONS else None)
            for e in entries]


ADMIN_ACTIONS = (AuditAction.ADMIN_ADD, AuditAction.ADMIN_REMOVE)


def _ids_named(entries: list[AuditEntry]) -> set[int]:
    """The Telegram ids the entries name: their actors, and the people administrator entries
    are about."""
    ids = {int(e.actor) for e in entries if e.actor.isdigit()}
    return ids | {int(e.subject) for e in entries
                  if e.action in ADMIN_ACTIONS and e.subject.isdigit()}
