"""Meeting and deadline reminders, derived from the database at every sweep.

Nothing about reminders lives in memory: each sweep looks at the meetings and actions as they
are now and enqueues what is due, under keys (`bot.mail.keys`) that say exactly which message it
is: a reminder per window and SEQUENCE, an update or cancellation per SEQUENCE, an action notice
per due date, and the Telegram twin of each for linked contacts.

So a second sweep, a restart or a second instance adds nothing twice (the outbox key is unique),
a sweep after downtime catches up (windows, not instants), and a meeting moved after its reminder
was queued gets an update with the new SEQUENCE while the stale reminder is parked unsent
(`bot.mail.stale`). The messages themselves are written in `bot.mail.messages`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.mail import keys, messages
from bot.mail.keys import ActionKey, MeetingKey
from bot.mail.stale import supersede_stale
from bot.services import Services
from storage import mailing, outbox
from storage.actions import ActionView
from storage.mailing import Recipient, Roster
from storage.models import Channel, Meeting, MeetingStatus

log = logging.getLogger(__name__)

ACTION_SOON_DAYS = 3
ACTION_HOUR = time(8, 0)  # action notices go out from 08:00 in the recipient's zone
OVERDUE_WINDOW_DAYS = 7  # after downtime, an overdue notice older than this is not sent


@dataclass
class _Batch:
    """What one sweep adds."""

    session: AsyncSession
    now: datetime
    added: int = 0

    async def add(self, *, key: MeetingKey | ActionKey, recipient: Recipient, kind: str,
                  subject: str, body: str, telegram_text: str | None) -> None:
        if await outbox.enqueue(self.session, key=str(key), recipient=recipient.email,
                                kind=kind, body=body, subject=subject, now=self.now,
                                person_id=recipient.person_id):
            self.added += 1
        chat = recipient.telegram_chat
        if telegram_text is not None and chat is not None:
            if await outbox.enqueue(self.session, key=str(keys.telegram(key)),
                                    recipient=str(chat), kind=kind, body=telegram_text,
                                    subject=subject, now=self.now, channel=Channel.TELEGRAM,
                                    person_id=recipient.person_id):
                self.added += 1


def reminder_days_due(meeting: Meeting, days: Iterable[int], now: datetime) -> int | None:
    """The reminder whose window is open: the smallest d with start - d <= now < start.

    After downtime that spans several windows only the latest one is sent (a 7-day reminder
    one day before the meeting would be noise).
    """
    if now >= meeting.starts_at:
        return None
    open_windows = [d for d in days if d > 0 and now >= meeting.starts_at - timedelta(days=d)]
    return min(open_windows) if open_windows else None


async def _sweep_meeting(batch: _Batch, settings: Settings, meeting: Meeting, roster: Roster,
                         answers: dict[tuple[int, int], str]) -> None:
    assert meeting.id is not None
    now, seq = batch.now, meeting.sequence
    cancelled = meeting.status == MeetingStatus.CANCELLED
    changed = seq > 0 and not cancelled
    days = reminder_days_due(meeting, settings.reminder_days, now)
    if not (cancelled or changed or days is not None):
        return
    # What was already queued for this meeting, whatever its status: the record of what each
    # person has been told.
    known: dict[str, datetime] = {}
    for kind in keys.MEETING_KINDS:
        known |= await outbox.keys_with_prefix(batch.session,
                                               keys.meeting_prefix(kind, meeting.id))

    for recipient in roster.audience(meeting.audience):
        pid = recipient.person_id
        answer = answers.get((meeting.id, pid))
        if cancelled or changed:
            key = MeetingKey(keys.CANCEL if cancelled else keys.UPDATE, meeting.id, seq, pid)
            if str(key) not in known:
                await _enqueue_meeting(batch, settings, key, meeting, recipient, answer)
                known[str(key)] = now
            if cancelled:
                continue
        if days is None or not recipient.reminders:
            continue
        if meeting.remind_unanswered_only and answer is not None:
            continue
        update_at = known.get(str(MeetingKey(keys.UPDATE, meeting.id, seq, pid)))
        if update_at is not None and update_at >= meeting.starts_at - timedelta(days=days):
            continue  # the update, sent inside this window, already said all a reminder would
        key = MeetingKey(keys.REMINDER, meeting.id, seq, pid, days)
        if str(key) not in known:
            await _enqueue_meeting(batch, settings, key, meeting, recipient, answer)


async def _enqueue_meeting(batch: _Batch, settings: Settings, key: MeetingKey, meeting: Meeting,
                           recipient: Recipient, answer: str | None) -> None:
    subject, body = messages.meeting_message(settings, key=key, meeting=meeting,
                                             recipient=recipient, answer=answer, now=batch.now)
    telegram_text = messages.meeting_telegram_text(key.kind, meeting, recipient, answer)
    await batch.add(key=key, recipient=recipient, kind=key.kind, subject=subject, body=body,
                    telegram_text=telegram_text)


def _local_moment(day_: date, zone: str, at: time = ACTION_HOUR) -> datetime:
    return datetime.combine(day_, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def action_notice_due(action: ActionView, zone: str, now: datetime) -> str | None:
    """'soon' from 08:00 three days before the due date until the end of that day, 'overdue'
    from 08:00 the day after (for a week, so a long downtime does not dig up old ones)."""
    due = action.due_date
    if _local_moment(due - timedelta(days=ACTION_SOON_DAYS), zone) <= now < _local_moment(
        due + timedelta(days=1), zone, time(0, 0)
    ):
        return keys.SOON
    if _local_moment(due + timedelta(days=1), zone) <= now < _local_moment(
        due + timedelta(days=1 + OVERDUE_WINDOW_DAYS), zone
    ):
        return keys.OVERDUE
    return None


async def _action_recipients(session: AsyncSession, actions: list[ActionView],
                             roster: Roster) -> dict[int, list[Recipient]]:
    """Action id -> who hears about it: its member's focal points and its assignee."""
    assignees = await mailing.people_by_id(
        session, {a.assignee_id for a in actions if a.assignee_id is not None}
    )
    found = {}
    for action in actions:
        recipients = {r.person_id: r for r in roster.focal_points(action.member_id)}
        if action.assignee_id in assignees:
            assignee = assignees[action.assignee_id]
            recipients.setdefault(assignee.person_id,
                                  roster.people.get(assignee.person_id, assignee))
        found[action.id] = list(recipients.values())
    return found


async def _sweep_actions(batch: _Batch, settings: Settings, roster: Roster) -> None:
    actions = await mailing.open_actions(batch.session)
    audience = await _action_recipients(batch.session, actions, roster)
    for action in actions:
        known = None
        for recipient in audience[action.id]:
            notice = action_notice_due(action, recipient.timezone, batch.now)
            if notice is None or not recipient.reminders:
                continue
            if known is None:
                known = await outbox.keys_with_prefix(batch.session,
                                                      keys.action_prefix(action.id))
            key = ActionKey(action.id, notice, action.due_date, recipient.person_id)
            if str(key) in known:
                continue
            subject, body = messages.action_message(settings, key=key, action=action,
                                                    recipient=recipient, now=batch.now)
            telegram_text = messages.action_telegram_text(action, recipient,
                                                          notice == keys.OVERDUE, batch.now)
            await batch.add(key=key, recipient=recipient, kind="action", subject=subject,
                            body=body, telegram_text=telegram_text)


async def sweep(services: Services, now: datetime) -> int:
    """Enqueue every reminder, update, cancellation and action notice due at `now`.

    One transaction for the whole sweep: either all of it is queued or none of it.
    Returns how many outbox rows were added (email and Telegram).
    """
    settings = services.settings
    async with services.sessions.begin() as session:
        batch = _Batch(session, now)
        roster = await mailing.roster(session)
        meetings = await mailing.meetings_not_started(session, now)
        answers = await mailing.answers(session, [m.id for m in meetings if m.id is not None])
        for meeting in meetings:
            await _sweep_meeting(batch, settings, meeting, roster, answers)
        await _sweep_actions(batch, settings, roster)
        await supersede_stale(session, now)
    if batch.added:
        log.info("reminder sweep queued %d message(s)", batch.added)
    return batch.added
