"""Administration: refused attempts, administrators, the audit log."""

from __future__ import annotations

import logging

from bot.services import Services
from storage import audit, people
from storage.audit import AuditAction
from storage.people import Viewer

log = logging.getLogger(__name__)


async def record_refusal(services: Services, viewer: Viewer, command: str,
                         attempted: str) -> None:
    """Keep an audit entry of a refused administrator command (and a log line)."""
    log.warning("refused /%s to non-admin %s", command, viewer.telegram_id)
    async with services.sessions.begin() as session:
        await audit.record(session, at=services.now(), actor=viewer.actor,
                           action=AuditAction.DENIED, subject=command,
                           after={"attempted": attempted[:200]})


async def admin_ids(services: Services) -> list[int]:
    """The Telegram ids of every administrator."""
    async with services.sessions() as session:
        return [entry.telegram_id for entry, _name in await people.list_admins(session)]
