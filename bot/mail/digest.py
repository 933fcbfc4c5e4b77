"""The digest: one personal message per focal point and steering-group representative.

Like Mailman's digest runner, building is apart from sending: `build_digests` renders each
recipient's digest and puts it in the outbox under `digest:<local date>:<person>`, so a second
run on the same day (the schedule, a catch-up after downtime, an operator) adds nothing. The
delivery worker sends it.

What a recipient reads, in their own time zone: the meetings they are invited to in the next four
weeks (with their attendance answer), the open and overdue action items of their member, for
steering-group members the steering-group section, and what changed since their last digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.mail.message import compose, to_wire
from bot.mail.reminders import roles_text
from bot.mail.render import day, mail_language, render_mail, when_both
from bot.services import Services
from storage import audit, mailing, outbox
from storage.actions import ActionView
from storage.mailing import MemberInfo, Recipient, Roster
from storage.models import Audience, AuditEntry, DigestFrequency, Meeting

log = logging.getLogger(__name__)

HORIZON = timedelta(weeks=4)
FIRST_LOOKBACK = {DigestFrequency.DAILY: timedelta(days=1)}  # weekly and others: 7 days
ALL_FREQUENCIES = (DigestFrequency.WEEKLY, DigestFrequency.DAILY)


@dataclass(frozen=True)
class MeetingLine:
    meeting: Meeting
    when: str
    answer: str | None


@dataclass(frozen=True)
class ActionLine:
    action: ActionView
    due: str
    overdue: bool


@dataclass
class DigestContent:
    recipient: Recipient
    local_day: date
    meetings: list[MeetingLine] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)
    steering_members: list[MemberInfo] = field(default_factory=list)
    steering_actions: list[ActionLine] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def is_steering(self) -> bool:
        return bool(self.steering_members)

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.actions or self.steering_actions or self.changes)

    @property
    def overdue(self) -> int:
        return sum(1 for line in self.actions if line.overdue)


@dataclass(frozen=True)
class DigestEntry:
    """One recipient's digest and what happened to it."""

    email: str
    name: str
    subject: str
    outcome: str  # queued, already sent, nothing to report, digest off, would queue
    text: str = ""


@dataclass
class DigestReport:
    entries: list[DigestEntry] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.entries if e.outcome == outcome)

    @property
    def queued(self) -> int:
        return self.count(QUEUED) + self.count(WOULD_QUEUE)

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o}" for o in (QUEUED, WOULD_QUEUE, ALREADY, EMPTY, OFF)
                 if self.count(o)]
        return f"{len(self.entries)} recipient(s): " + (", ".join(parts) or "none")


QUEUED, WOULD_QUEUE, ALREADY, EMPTY, OFF = (
    "queued", "would queue", "already sent today", "nothing to report", "digest off"
)


# ---------------------------------------------------------------------------------------------
# What changed: audit entries in words


def _name(entry: AuditEntry) -> str:
    """The member's name and code, or the meeting's or action's title, from the entry."""
    values = entry.after or entry.before or {}
    if "code" in values and "name" in values:
        return f"{values['name']} ({values['code']})"
    return str(values.get("title") or entry.subject or "?")


# The audit actions readers care about (storage writes these names), in words.
_CHANGES = {
    "member.add": lambda e: f"New member: {_name(e)}",
    "member.remove": lambda e: f"Member removed: {_name(e)}",
    "focal.set": lambda e: f"New focal point for {e.subject}",
    "troika.set": lambda e: f"Troika: the {e.subject} seat now belongs to "
                            f"{(e.after or {}).get('holder', '?')}",
    "steering.add": lambda e: f"Joined the steering group: {_name(e)}",
    "steering.remove": lambda e: f"Left the steering group: {_name(e)}",
    "meeting.add": lambda e: f"New meeting: {_name(e)}",
    "meeting.move": lambda e: f"Meeting moved: {_name(e)}",
    "meeting.cancel": lambda e: f"Meeting cancelled: {_name(e)}",
    "action.done": lambda e: f"Action done: {_name(e)}",
}


def describe_change(entry: AuditEntry) -> str | None:
    """A sentence for a change readers care about; None for the others (admins, notes...)."""
    sentence = _CHANGES.get(entry.action)
    return sentence(entry) if sentence else None


# ---------------------------------------------------------------------------------------------
# Building


def _changes_since(recipient: Recipient, now: datetime) -> datetime:
    lookback = FIRST_LOOKBACK.get(recipient.digest, timedelta(days=7))  # type: ignore[call-overload]
    return recipient.last_digest_at or now - lookback


def digest_content(
    recipient: Recipient, roster: Roster, now: datetime,
    *, meetings: list[Meeting], actions: list[ActionView],
    answers: dict[tuple[int, int], str], audiences: dict[str, set[int]],
    changes: list[AuditEntry],
) -> DigestContent:
    zone = ZoneInfo(recipient.timezone)
    today = now.astimezone(zone).date()
    content = DigestContent(recipient, today)
    pid = recipient.person_id
    for meeting in meetings:
        if pid in audiences.get(meeting.audience, set()):
            content.meetings.append(MeetingLine(
                meeting,
                when_both(meeting.starts_at, recipient.timezone, meeting.timezone,
                          recipient.language),
                answers.get((meeting.id or 0, pid)),
            ))

    def line(action: ActionView) -> ActionLine:
        return ActionLine(action, day(action.due_date, recipient.language),
                          action.overdue(today))

    own = roster.member_ids_of(pid)
    content.actions = [line(a) for a in actions if a.member_id in own or a.assignee_id == pid]
    if roster.is_steering(pid):
        content.steering_members = sorted(
            (m for m in roster.members.values() if m.steering), key=lambda m: m.name
        )
        steering_ids = {m.id for m in content.steering_members}
        listed = {line.action.id for line in content.actions}
        content.steering_actions = [line(a) for a in actions
                                    if a.member_id in steering_ids and a.id not in listed]
    since = _changes_since(recipient, now)
    for entry in changes:
        if since < entry.at <= now and (sentence := describe_change(entry)) is not None:
            content.changes.append(sentence)
    return content


def digest_subject(content: DigestContent) -> str:
    bits = []
    if content.meetings:
        bits.append(f"{len(content.meetings)} meeting{'s' if len(content.meetings) > 1 else ''}")
    if content.actions:
        bits.append(f"{len(content.actions)} open action{'s' if len(content.actions) > 1 else ''}"
                    + (f" ({content.overdue} overdue)" if content.overdue else ""))
    if content.changes:
        bits.append(f"{len(content.changes)} change{'s' if len(content.changes) > 1 else ''}")
    summary = ", ".join(bits) or "nothing new"
    return f"Friends of the Forum digest, {day(content.local_day)}: {summary}"


def digest_message(settings: Settings, *, key: str, content: DigestContent, now: datetime,
                   to_address: str | None = None, to_name: str | None = None,
                   subject_prefix: str = "") -> tuple[str, str, str]:
    """(subject, plain text, whole RFC 5322 message)."""
    recipient = content.recipient
    sender = settings.require_mail_from()
    subject = subject_prefix + digest_subject(content)
    text, html = render_mail(
        "digest", c=content, subject=subject, language=mail_language(recipient.language),
        roles_text=roles_text(recipient), mail_from=sender,
    )
    message = compose(settings, key=key, to_address=to_address or recipient.email,
                      to_name=to_name or recipient.name, subject=subject, text=text, html=html,
                      now=now)
    return subject, text, to_wire(message)


async def _inputs(session: AsyncSession, now: datetime):
    roster = await mailing.roster(session)
    meetings = await mailing.meetings_between(session, now, now + HORIZON)
    actions = await mailing.open_actions(session)
    answers = await mailing.answers(session, [m.id for m in meetings if m.id is not None])
    audiences = {a: {r.person_id for r in roster.audience(a)} for a in Audience}
    # One query for every recipient's "what changed", from the earliest point anyone needs.
    earliest = min((_changes_since(r, now) for r in roster.people.values()), default=now)
    changes = await audit.since(session, earliest)
    return roster, dict(meetings=meetings, actions=actions, answers=answers, audiences=audiences,
                        changes=changes)


async def build_digests(
    services: Services,
    now: datetime,
    *,
    only_email: str | None = None,
    dry_run: bool = False,
    frequencies: tuple[str, ...] = ALL_FREQUENCIES,
) -> DigestReport:
    """Queue today's digest for every recipient whose preference is in `frequencies`.

    `only_email` limits the run to that recipient and, being an explicit request, sends even
    when their preference is off or there is nothing to report. `dry_run` renders and reports
    without writing anything. Person.last_digest_at moves to `now` for each digest queued.
    """
    settings = services.settings
    report = DigestReport()
    async with services.sessions.begin() as session:
        roster, inputs = await _inputs(session, now)
        recipients = list(roster.people.values())
        if only_email is not None:
            recipients = [r for r in recipients if r.email.lower() == only_email.lower()]
        queued_ids: list[int] = []
        for recipient in sorted(recipients, key=lambda r: r.email):
            if only_email is None and recipient.digest not in frequencies:
                report.entries.append(DigestEntry(recipient.email, recipient.name, "", OFF))
                continue
            content = digest_content(recipient, roster, now, **inputs)
            if content.empty and settings.digest_skip_empty and only_email is None:
                report.entries.append(DigestEntry(recipient.email, recipient.name, "", EMPTY))
                continue
            key = f"digest:{content.local_day.isoformat()}:{recipient.person_id}"
            subject, text, body = digest_message(settings, key=key, content=content, now=now)
            if dry_run:
                known = await outbox.keys_with_prefix(session, key)
                outcome = ALREADY if key in known else WOULD_QUEUE
            elif await outbox.enqueue(session, key=key, recipient=recipient.email,
                                      kind="digest", body=body, subject=subject, now=now,
                                      person_id=recipient.person_id):
                outcome = QUEUED
                queued_ids.append(recipient.person_id)
            else:
                outcome = ALREADY
            report.entries.append(DigestEntry(recipient.email, recipient.name, subject,
                                              outcome, text))
        if queued_ids:  # never in a dry run: nothing was queued
            await mailing.set_last_digest(session, queued_ids, now)
    log.info("digest: %s", report.summary())
    return report


async def preview_digest(
    services: Services, now: datetime, *, person_email: str | None, to_address: str,
    to_name: str = "Administrator",
) -> DigestEntry:
    """Render one person's digest (or the first recipient's) and queue it to `to_address` only.

    A preview changes nothing else: the person's last digest time stays where it was.
    """
    settings = services.settings
    async with services.sessions.begin() as session:
        roster, inputs = await _inputs(session, now)
        people = sorted(roster.people.values(), key=lambda r: r.email)
        chosen = next((r for r in people if person_email and r.email.lower() ==
                       person_email.lower()), people[0] if people else None)
        if chosen is None:
            return DigestEntry(to_address, to_name, "", "nobody receives a digest yet")
        content = digest_content(chosen, roster, now, **inputs)
        key = f"preview:{now.isoformat(timespec='seconds')}:{chosen.person_id}:{to_address}"
        subject, text, body = digest_message(
            settings, key=key, content=content, now=now, to_address=to_address,
            to_name=to_name, subject_prefix=f"[Preview for {chosen.name}] ",
        )
        await outbox.enqueue(session, key=key, recipient=to_address, kind="preview", body=body,
                             subject=subject, now=now)
    return DigestEntry(to_address, chosen.name, subject, QUEUED, text)
