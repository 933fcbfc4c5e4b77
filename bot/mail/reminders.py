"""Invitations, meeting reminders and deadline reminders, derived from the database at every
sweep (every minute).

Nothing about them lives in memory: each sweep looks at the meetings and actions as they
are now and enqueues what is due, under keys (`bot.mail.keys`) that say exactly which message it
is: an invitation as soon as a meeting is scheduled (or someone joins its audience), a reminder
per window and SEQUENCE, an update or cancellation per SEQUENCE (only to people who were
invited: `bot.mail.invitations` reads who was told what from the keys already queued), an action
notice per due date, and the Telegram twin of each for linked contacts.

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
from bot.mail.invitations import Told, told_by_person
from bot.mail.keys import ActionKey, MeetingKey
from bot.mail.stale import supersede_stale
from bot.services import Services
from storage import mailing, meetings, outbox
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


@dataclass
class _MeetingSweep:
    """One meeting in one sweep: who was told what, and what to add."""

    batch: _Batch
    settings: Settings
    meeting: Meeting
    answers: dict[tuple[int, int], str]
    known: set[str]  # every key already queued for the meeting
    told: dict[int, Told]
    _starts: dict[int, datetime] | None = None

    async def send(self, kind: str, recipient: Recipient, *, days: int | None = None,
                   round_: int = 0) -> None:
        meeting, pid = self.meeting, recipient.person_id
        assert meeting.id is not None
        key = MeetingKey(kind, meeting.id, meeting.sequence, pid, days, round_)
        previous = None
        if kind == keys.UPDATE:
            previous = (await self._previous_starts()).get(self.told[pid].sequence)
        subject, body = messages.meeting_message(
            self.settings, key=key, meeting=meeting, recipient=recipient,
            answer=self.answers.get((meeting.id, pid)), now=self.batch.now, previous=previous)
        telegram_text = messages.meeting_telegram_text(
            kind, meeting, recipient, self.answers.get((meeting.id, pid)), previous=previous)
        await self.batch.add(key=key, recipient=recipient, kind=kind, subject=subject,
                             body=body, telegram_text=telegram_text)
        self.known.add(str(key))
        self.told.setdefault(pid, Told()).note(key, self.batch.now)

    async def _previous_starts(self) -> dict[int, datetime]:
        if self._starts is None:
            assert self.meeting.id is not None
            self._starts = await meetings.starts_by_sequence(self.batch.session, self.meeting.id)
        return self._starts


async def _queued(session: AsyncSession, meeting_id: int) -> dict[str, datetime]:
    """What was already queued for this meeting, sent or still to be sent: the record of what
    each person has been told (a message parked unsent told them nothing)."""
    return await meetings.mail_told(
        session, [keys.meeting_prefix(kind, meeting_id) for kind in keys.MEETING_KINDS])


async def _cancel_for_the_uninvited(run: _MeetingSweep, audience: dict[int, Recipient],
                                    roster: Roster) -> None:
    """A cancelled meeting: everyone invited; a meeting that goes on: those who left."""
    cancelled = run.meeting.status == MeetingStatus.CANCELLED
    leaving = [pid for pid, told in run.told.items()
               if told.invited and (cancelled or pid not in audience)]
    missing = {pid for pid in leaving if pid not in roster.people}
    others = await mailing.people_by_id(run.batch.session, missing) if missing else {}
    for pid in leaving:
        recipient = roster.people.get(pid) or others.get(pid)
        if recipient is not None:  # a person no longer active is not written to
            await run.send(keys.CANCEL, recipient, round_=run.told[pid].cancels)


async def _sweep_meeting(batch: _Batch, settings: Settings, meeting: Meeting, roster: Roster,
                         answers: dict[tuple[int, int], str]) -> None:
    assert meeting.id is not None
    queued = await _queued(batch.session, meeting.id)
    run = _MeetingSweep(batch, settings, meeting, answers, set(queued), told_by_person(queued))
    audience = {r.person_id: r for r in roster.audience(meeting.audience)}
    await _cancel_for_the_uninvited(run, audience, roster)
    if meeting.status == MeetingStatus.CANCELLED:
        return
    seq = meeting.sequence
    days = reminder_days_due(meeting, settings.reminder_days, batch.now)
    for pid, recipient in audience.items():
        told = run.told.get(pid)
        if told is None or not told.invited:  # a newcomer, or someone who came back
            await run.send(keys.INVITE, recipient, round_=told.invites if told else 0)
            told = run.told[pid]
        elif told.sequence < seq:
            await run.send(keys.UPDATE, recipient)
        if days is None or not recipient.reminders:
            continue
        if meeting.remind_unanswered_only and answers.get((meeting.id, pid)) is not None:
            continue
        announced = told.announced.get(seq)
        if announced is not None and announced >= meeting.starts_at - timedelta(days=days):
            continue  # the invitation or update, sent in this window, said all it would
        key = MeetingKey(keys.REMINDER, meeting.id, seq, pid, days)
        if str(key) not in run.known:
            await run.send(keys.REMINDER, recipient, days=days)


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
    """Enqueue every invitation, reminder, update, cancellation and action notice due at `now`.

    One transaction for the whole sweep: either all of it is queued or none of it.
    Returns how many outbox rows were added (email and Telegram).
    """
    settings = services.settings
    async with services.sessions.begin() as session:
        batch = _Batch(session, now)
        # First: a message parked unsent told nobody anything (who was told what is read next)
        await supersede_stale(session, now)
        roster = await mailing.roster(session)
        meetings = await mailing.meetings_not_started(session, now)
        answers = await mailing.answers(session, [m.id for m in meetings if m.id is not None])
        for meeting in meetings:
            await _sweep_meeting(batch, settings, meeting, roster, answers)
        await _sweep_actions(batch, settings, roster)
    if batch.added:
        log.info("reminder sweep queued %d message(s)", batch.added)
    return batch.added
