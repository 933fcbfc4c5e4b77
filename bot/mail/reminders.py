"""Meeting and deadline reminders, derived from the database at every sweep.

Nothing about reminders lives in memory: each sweep looks at the meetings and actions as they
are now and enqueues what is due, under keys that say exactly which message it is:

    reminder:<meeting>:<days>:<sequence>:<person>   a reminder (due: start - days .. start)
    update:<meeting>:<sequence>:<person>            a moved or changed meeting (sequence > 0)
    cancel:<meeting>:<sequence>:<person>            a cancelled meeting (METHOD:CANCEL)
    action:<action>:soon:<due date>:<person>        3 days before the due date
    action:<action>:overdue:<due date>:<person>     the day after the due date
    telegram:<one of the above>                     the same in Telegram, for linked contacts

So a second sweep, a restart or a second instance adds nothing twice (the outbox key is unique),
a sweep after downtime catches up (windows, not instants), and a meeting moved after its reminder
was queued gets an update with the new SEQUENCE while the stale reminder is parked unsent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.ics import meeting_calendar
from bot.mail.message import Attachment, compose, to_wire
from bot.mail.render import day, mail_language, render, render_mail, when_both
from bot.services import Services
from storage import mailing, outbox
from storage.actions import ActionView
from storage.mailing import Recipient, Roster
from storage.models import Channel, Meeting, MeetingStatus

log = logging.getLogger(__name__)

MEETING_KINDS = ("reminder", "update", "cancel")
ACTION_SOON_DAYS = 3
ACTION_HOUR = time(8, 0)  # action notices go out from 08:00 in the recipient's zone
OVERDUE_WINDOW_DAYS = 7  # after downtime, an overdue notice older than this is not sent


ROLE_WORDS = {"focal_point": "focal point", "steering_rep": "steering-group representative"}


def roles_text(recipient: Recipient) -> str:
    if not recipient.roles:
        return "a contact of the Friends of the Forum"
    return ", ".join(f"{ROLE_WORDS.get(role, role)} for {code}" for code, role in recipient.roles)


# ---------------------------------------------------------------------------------------------
# Building one message


def meeting_message(
    settings: Settings,
    *,
    key: str,
    kind: str,
    meeting: Meeting,
    recipient: Recipient,
    answer: str | None,
    now: datetime,
) -> tuple[str, str]:
    """(subject, whole RFC 5322 message) for a reminder, update or cancellation."""
    sender = settings.require_mail_from()
    when = when_both(meeting.starts_at, recipient.timezone, meeting.timezone, recipient.language)
    prefix = {"reminder": "Reminder", "update": "Changed", "cancel": "Cancelled"}[kind]
    short_day = day(meeting.starts_at.astimezone(ZoneInfo(recipient.timezone)).date(),
                    recipient.language)
    subject = f"{prefix}: {meeting.title}, {short_day}"
    context = dict(kind=kind, meeting=meeting, when=when, answer=answer, subject=subject,
                   language=mail_language(recipient.language),
                   roles_text=roles_text(recipient), mail_from=sender, email=recipient.email)
    text, html = render_mail("meeting", **context)
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    calendar = meeting_calendar(meeting, method=method, organizer_email=sender,
                                attendee_email=recipient.email)
    params = {"method": method}
    message = compose(
        settings, key=key, to_address=recipient.email, to_name=recipient.name, subject=subject,
        text=text, html=html, now=now,
        alternatives=[Attachment("invite.ics", calendar, "text", "calendar", params)],
        attachments=[Attachment("invite.ics", calendar, "text", "calendar", params)],
    )
    return subject, to_wire(message)


def action_message(
    settings: Settings, *, key: str, action: ActionView, recipient: Recipient, overdue: bool,
    now: datetime,
) -> tuple[str, str]:
    sender = settings.require_mail_from()
    due = day(action.due_date, recipient.language)  # type: ignore[arg-type]
    subject = f"{'Overdue' if overdue else 'Due'} {due}: {action.title}"
    context = dict(action=action, due=due, overdue=overdue, subject=subject,
                   language=mail_language(recipient.language),
                   roles_text=roles_text(recipient),
                   mail_from=sender)
    text, html = render_mail("action", **context)
    message = compose(settings, key=key, to_address=recipient.email, to_name=recipient.name,
                      subject=subject, text=text, html=html, now=now)
    return subject, to_wire(message)


# ---------------------------------------------------------------------------------------------
# The sweep


@dataclass
class _Batch:
    """What one sweep adds, and the keys it already found (one query per prefix)."""

    session: AsyncSession
    now: datetime
    added: int = 0

    async def add(self, *, key: str, recipient: Recipient, kind: str, subject: str, body: str,
                  telegram_text: str | None) -> None:
        if await outbox.enqueue(self.session, key=key, recipient=recipient.email, kind=kind,
                                body=body, subject=subject, now=self.now,
                                person_id=recipient.person_id):
            self.added += 1
        chat = recipient.telegram_chat
        if telegram_text is not None and chat is not None:
            if await outbox.enqueue(self.session, key=f"telegram:{key}", recipient=str(chat),
                                    kind=kind, body=telegram_text, subject=subject,
                                    now=self.now, channel=Channel.TELEGRAM,
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
    audience = roster.audience(meeting.audience)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    changed = seq > 0 and not cancelled
    days = reminder_days_due(meeting, settings.reminder_days, now)
    if not (cancelled or changed or days is not None):
        return
    # What was already queued for this meeting, whatever its status: the record of what each
    # person has been told.
    known: dict[str, datetime] = {}
    for prefix in MEETING_KINDS:
        known |= await outbox.keys_with_prefix(batch.session, f"{prefix}:{meeting.id}:")

    for recipient in audience:
        pid = recipient.person_id
        answer = answers.get((meeting.id, pid))
        if cancelled or changed:
            kind = "cancel" if cancelled else "update"
            key = f"{kind}:{meeting.id}:{seq}:{pid}"
            if key not in known:
                await _enqueue_meeting(batch, settings, key, kind, meeting, recipient, answer)
                known[key] = now
            if cancelled:
                continue
        if days is None or not recipient.reminders:
            continue
        if meeting.remind_unanswered_only and answer is not None:
            continue
        update_at = known.get(f"update:{meeting.id}:{seq}:{pid}")
        if update_at is not None and update_at >= meeting.starts_at - timedelta(days=days):
            continue  # the update, sent inside this window, already said all a reminder would
        key = f"reminder:{meeting.id}:{days}:{seq}:{pid}"
        if key not in known:
            await _enqueue_meeting(batch, settings, key, "reminder", meeting, recipient, answer)


async def _enqueue_meeting(batch: _Batch, settings: Settings, key: str, kind: str,
                           meeting: Meeting, recipient: Recipient, answer: str | None) -> None:
    subject, body = meeting_message(settings, key=key, kind=kind, meeting=meeting,
                                    recipient=recipient, answer=answer, now=batch.now)
    when = when_both(meeting.starts_at, recipient.timezone, meeting.timezone, recipient.language)
    telegram_text = render("meeting.tg.html", kind=kind, meeting=meeting, when=when,
                           answer=answer, email=recipient.email)
    await batch.add(key=key, recipient=recipient, kind=kind, subject=subject, body=body,
                    telegram_text=telegram_text)


def _local_moment(day_: date, zone: str, at: time = ACTION_HOUR) -> datetime:
    return datetime.combine(day_, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def action_notice_due(action: ActionView, zone: str, now: datetime) -> str | None:
    """'soon' from 08:00 three days before the due date until the end of that day, 'overdue'
    from 08:00 the day after (for a week, so a long downtime does not dig up old ones)."""
    due: date = action.due_date  # type: ignore[assignment]
    if _local_moment(due - timedelta(days=ACTION_SOON_DAYS), zone) <= now < _local_moment(
        due + timedelta(days=1), zone, time(0, 0)
    ):
        return "soon"
    if _local_moment(due + timedelta(days=1), zone) <= now < _local_moment(
        due + timedelta(days=1 + OVERDUE_WINDOW_DAYS), zone
    ):
        return "overdue"
    return None


async def _sweep_actions(batch: _Batch, settings: Settings, roster: Roster) -> None:
    actions = await mailing.open_actions(batch.session)
    assignees = await mailing.people_by_id(
        batch.session, {a.assignee_id for a in actions if a.assignee_id is not None}
    )
    for action in actions:
        recipients = {r.person_id: r for r in roster.focal_points(action.member_id)}
        if action.assignee_id in assignees:
            assignee = assignees[action.assignee_id]
            recipients.setdefault(assignee.person_id,
                                  roster.people.get(assignee.person_id, assignee))
        prefix = f"action:{action.id}:"
        known = None
        for recipient in recipients.values():
            notice = action_notice_due(action, recipient.timezone, batch.now)
            if notice is None or not recipient.reminders:
                continue
            if known is None:
                known = await outbox.keys_with_prefix(batch.session, prefix)
            key = f"{prefix}{notice}:{action.due_date}:{recipient.person_id}"
            if key in known:
                continue
            subject, body = action_message(settings, key=key, action=action,
                                           recipient=recipient, overdue=notice == "overdue",
                                           now=batch.now)
            telegram_text = render("action.tg.html", action=action, overdue=notice == "overdue",
                                   due=day(action.due_date, recipient.language))  # type: ignore[arg-type]
            await batch.add(key=key, recipient=recipient, kind="action", subject=subject,
                            body=body, telegram_text=telegram_text)


async def supersede_stale(session: AsyncSession, now: datetime | None = None) -> int:
    """Park pending meeting messages that a later change made wrong.

    A reminder or update for an older SEQUENCE, any reminder or update of a cancelled meeting,
    and (given `now`) any reminder for a meeting that has already started are never sent.
    """
    pending: list[tuple[int, str]] = []
    for kind in MEETING_KINDS:
        pending += await outbox.pending_with_prefix(session, f"{kind}:")
        pending += await outbox.pending_with_prefix(session, f"telegram:{kind}:")
    if not pending:
        return 0
    parsed: list[tuple[int, str, int, int]] = []  # row id, kind, meeting id, sequence
    for row_id, key in pending:
        parts = key.removeprefix("telegram:").split(":")
        try:
            kind, meeting_id = parts[0], int(parts[1])
            seq = int(parts[3] if kind == "reminder" else parts[2])
        except (IndexError, ValueError):
            continue
        parsed.append((row_id, kind, meeting_id, seq))
    meetings = await mailing.meetings_by_id(session, {m for _, _, m, _ in parsed})
    stale: dict[str, list[int]] = {}
    for row_id, kind, meeting_id, seq in parsed:
        meeting = meetings.get(meeting_id)
        reason = None
        if meeting is None:
            reason = "meeting deleted"
        elif seq < meeting.sequence:
            reason = f"superseded by sequence {meeting.sequence}"
        elif meeting.status == MeetingStatus.CANCELLED and kind != "cancel":
            reason = "meeting cancelled"
        elif now is not None and kind == "reminder" and meeting.starts_at <= now:
            reason = "meeting already started"
        if reason is not None:
            stale.setdefault(reason, []).append(row_id)
    count = 0
    for reason, ids in stale.items():
        count += await outbox.supersede(session, ids, reason=reason)
    if count:
        log.info("parked %d stale meeting message(s)", count)
    return count


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
