"""Is the mail server reachable? What the start-up check and the delivery worker found, kept in
the database (`storage.mailserver`) so that /outbox on any instance can say it.

The delivery worker reports what each batch's connections found; when nothing is being sent
and an outage is on record, the server is probed again now and then, so that /outbox does not
go on reporting an outage that has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.mail.smtp import ServerSeen, probe
from bot.services import Services
from storage import mailserver

log = logging.getLogger(__name__)

RECHECK = timedelta(minutes=1)  # how often an outage is re-checked while nothing is sent


async def record(services: Services, now: datetime, error: str | None) -> None:
    async with services.sessions.begin() as session:
        if error is None:
            await mailserver.note_reachable(session)
        else:
            await mailserver.note_unreachable(session, at=now, error=error)


async def check(services: Services, now: datetime) -> str | None:
    """Probe the server now and record the result; the error line, or None when it answered."""
    error = await probe(services.settings)
    await record(services, now, error)
    return error


async def after_delivery(services: Services, now: datetime, seen: Sequence[ServerSeen], *,
                         outage_on_record: bool) -> None:
    """Record what a delivery run found; re-check a recorded outage when nothing was sent.
    A server reached is written only when the run began with an outage on record: an outage
    another instance notes meanwhile is cleared by the next run that reaches the server."""
    if seen:
        errors = [s.error for s in seen if s.error is not None]
        if any(s.reached for s in seen):
            if outage_on_record:
                await record(services, now, None)
        elif errors:
            await record(services, now, errors[-1])
        return
    async with services.sessions() as session:
        outage = await mailserver.outage(session, with_breaker=False)
    if outage is not None and now - outage.last_try >= RECHECK:
        if await check(services, now) is None:
            log.info("mail server %s:%s answers again", services.settings.smtp_host,
                     services.settings.smtp_port)
