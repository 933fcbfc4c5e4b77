"""Parking pending meeting messages that a later change of their meeting made wrong.

Run before every delivery and at the start of every sweep, so a stale reminder is never sent even
when the meeting moved between the sweep and the delivery, and the sweep reads who was told what
without the messages that will never leave (`bot.mail.invitations`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.mail import keys
from bot.mail.keys import MeetingKey, TelegramKey
from storage import mailing, outbox
from storage.models import Meeting, MeetingStatus

log = logging.getLogger(__name__)


def _stale_reason(key: MeetingKey, meeting: Meeting | None, now: datetime | None) -> str | None:
    if meeting is None:
        return "meeting deleted"
    if key.kind == keys.CANCEL:
        # Still true at a later SEQUENCE: the person no longer holds the meeting (a cancel
        # to someone who left the audience is not followed by the updates of a later move).
        return None
    if key.sequence < meeting.sequence:
        return f"superseded by sequence {meeting.sequence}"
    if meeting.status == MeetingStatus.CANCELLED:
        return "meeting cancelled"
    if now is not None and key.kind in (keys.REMINDER, keys.INVITE) \
            and meeting.starts_at <= now:
        return "meeting already started"
    return None


async def supersede_stale(session: AsyncSession, now: datetime | None = None) -> int:
    """Park pending meeting messages that a later change made wrong.

    An invitation, reminder or update for an older SEQUENCE (the update of the new one says
    it all), any of them for a cancelled meeting, and (given `now`) any invitation or reminder
    for a meeting that has already started are never sent. Cancellations always are.
    """
    pending = await outbox.pending_with_prefixes(
        session, *(prefix for kind in keys.MEETING_KINDS for prefix in keys.kind_prefixes(kind)))
    parsed: list[tuple[int, MeetingKey]] = []
    for row_id, text in pending:
        key = keys.parse(text)
        if isinstance(key, TelegramKey):
            key = key.inner
        if isinstance(key, MeetingKey):
            parsed.append((row_id, key))
    if not parsed:
        return 0
    meetings = await mailing.meetings_by_id(session, {key.meeting_id for _, key in parsed})
    stale: dict[str, list[int]] = {}
    for row_id, key in parsed:
        reason = _stale_reason(key, meetings.get(key.meeting_id), now)
        if reason is not None:
            stale.setdefault(reason, []).append(row_id)
    count = 0
    for reason, ids in stale.items():
        count += await outbox.supersede(session, ids, reason=reason)
    if count:
        log.info("parked %d stale meeting message(s)", count)
    return count
