"""The digest: one personal message per focal point and steering-group representative.

Like Mailman's digest runner, building is apart from sending: `build_digests` renders each
recipient's digest (`bot.mail.messages`) and puts it in the outbox under a `DigestKey`
(one per recipient and local day), so a second
run on the same day (the schedule, a catch-up after downtime, an operator) adds nothing. The
delivery worker sends it.

What a recipient reads, in their own time zone: the meetings they are invited to in the next four
weeks (with their attendance answer), the open and overdue action items of their member, for
steering-group members the steering-group section, and what changed since their last digest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.mail.keys import DigestKey, PreviewKey
from bot.mail.messages import ActionLine, DigestContent, MeetingLine, digest_message
from bot.mail.render import day, when_both
from bot.services import Services
from storage import audit, mailing, outbox
from storage.actions import ActionView
from storage.audit import AuditAction
from storage.mailing import Recipient, Roster
from storage.models import Audience, AuditEntry, DigestFrequency, Meeting

log = logging.getLogger(__name__)

HORIZON = timedelta(weeks=4)
FIRST_LOOKBACK = {DigestFrequency.DAILY: timedelta(days=1)}  # weekly and others: 7 days
ALL_FREQUENCIES = (DigestFrequency.WEEKLY, DigestFrequency.DAILY)

QUEUED, WOULD_QUEUE, ALREADY, EMPTY, OFF = (
    "queued", "would queue", "already sent today", "nothing to report", "digest off"
)


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


# ---------------------------------------------------------------------------------------------
# What changed: audit entries in words


def _name(entry: AuditEntry) -> str:
    """The member's name and code, or the meeting's or action's title, from the entry."""
    values = entry.after or entry.before or {}
    if "code" in values and "name" in values:
        return f"{values['name']} ({values['code']})"
    return str(values.get("title") or entry.subject or "?")


def _counted(number: int, one: str, many: str) -> str | None:
    return None if not number else f"{number} {one if number == 1 else many}"


def _import_line(entry: AuditEntry) -> str:
    """One line for a whole import, never a line per row."""
    after = entry.after or {}
    if after.get("kind") == "actions":
        added = int(after.get("actions_added") or 0)
        return f"{added} action {'item was' if added == 1 else 'items were'} imported."
    kinds: dict[str, int] = after.get("changes") or {}
    parts = [
        _counted(len(after.get("added") or []), "member added", "members added"),
        _counted(kinds.get(AuditAction.MEMBER_UPDATE, 0), "member's details changed",
                 "members' details changed"),
        _counted(len(after.get("focal_points") or []), "focal point changed",
                 "focal points changed"),
        _counted(kinds.get(AuditAction.STEERING_ADD, 0) + kinds.get(
            AuditAction.STEERING_REMOVE, 0), "steering-group change", "steering-group changes"),
        _counted(kinds.get(AuditAction.TROIKA_SET, 0), "troika seat changed",
                 "troika seats changed"),
    ]
    shown = [part for part in parts if part]
    if not shown:
        return "The contact list was updated."
    return "The contact list was updated: " + ", ".join(shown) + "."


# The audit actions readers care about, in words.
_CHANGES: dict[AuditAction, Callable[[AuditEntry], str]] = {
    AuditAction.MEMBER_ADD: lambda e: f"New member: {_name(e)}",
    AuditAction.MEMBER_REMOVE: lambda e: f"Member removed: {_name(e)}",
    AuditAction.FOCAL_SET: lambda e: f"New focal point for {e.subject}",
    AuditAction.TROIKA_SET: lambda e: f"Troika: the {e.subject} seat now belongs to "
                                      f"{(e.after or {}).get('holder', '?')}",
    AuditAction.STEERING_ADD: lambda e: f"Joined the steering group: {_name(e)}",
    AuditAction.STEERING_REMOVE: lambda e: f"Left the steering group: {_name(e)}",
    AuditAction.MEETING_ADD: lambda e: f"New meeting: {_name(e)}",
    AuditAction.MEETING_MOVE: lambda e: f"Meeting moved: {_name(e)}",
    AuditAction.MEETING_CANCEL: lambda e: f"Meeting cancelled: {_name(e)}",
    AuditAction.ACTION_DONE: lambda e: f"Action done: {_name(e)}",
    AuditAction.IMPORT: _import_line,
}


def describe_change(entry: AuditEntry) -> str | None:
    """A sentence for a change readers care about; None for the others (admins, notes...)."""
    sentence = _CHANGES.get(entry.action)  # type: ignore[call-overload]
    return sentence(entry) if sentence else None


# ---------------------------------------------------------------------------------------------
# Building


def _changes_since(recipient: Recipient, now: datetime) -> datetime:
    lookback = FIRST_LOOKBACK.get(recipient.digest, timedelta(days=7))  # type: ignore[call-overload]
    return recipient.last_digest_at or now - lookback


@dataclass(frozen=True)
class DigestInputs:
    """Everything every recipient's digest is cut from, read once per run."""

    roster: Roster
    meetings: list[Meeting]
    actions: list[ActionView]
    answers: dict[tuple[int, int], str]
    audiences: dict[str, set[int]]
    changes: list[AuditEntry]


def digest_content(recipient: Recipient, inputs: DigestInputs, now: datetime) -> DigestContent:
    zone = ZoneInfo(recipient.timezone)
    today = now.astimezone(zone).date()
    content = DigestContent(recipient, today)
    pid, roster = recipient.person_id, inputs.roster
    for meeting in inputs.meetings:
        if pid in inputs.audiences.get(meeting.audience, set()):
            content.meetings.append(MeetingLine(
                meeting,
                when_both(meeting.starts_at, recipient.timezone, meeting.timezone,
                          recipient.language),
                inputs.answers.get((meeting.id or 0, pid)),
            ))

    def line(action: ActionView) -> ActionLine:
        return ActionLine(action, day(action.due_date, recipient.language),
                          action.overdue(today))

    own = roster.member_ids_of(pid)
    actions = inputs.actions
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
    for entry in inputs.changes:
        if since < entry.at <= now and (sentence := describe_change(entry)) is not None:
            content.changes.append(sentence)
    return content


async def read_inputs(session: AsyncSession, now: datetime) -> DigestInputs:
    roster = await mailing.roster(session)
    meetings = await mailing.meetings_between(session, now, now + HORIZON)
    answers = await mailing.answers(session, [m.id for m in meetings if m.id is not None])
    # One query for every recipient's "what changed", from the earliest point anyone needs.
    earliest = min((_changes_since(r, now) for r in roster.people.values()), default=now)
    return DigestInputs(
        roster=roster, meetings=meetings, actions=await mailing.open_actions(session),
        answers=answers, audiences={a: {r.person_id for r in roster.audience(a)}
                                    for a in Audience},
        changes=await audit.since(session, earliest),
    )


async def _queue_one(session: AsyncSession, settings: Settings, recipient: Recipient,
                     content: DigestContent, now: datetime, dry_run: bool) -> DigestEntry:
    key = DigestKey(content.local_day, recipient.person_id)
    subject, text, body = digest_message(settings, key=key, content=content, now=now)
    if dry_run:
        known = await outbox.keys_with_prefix(session, str(key))
        outcome = ALREADY if str(key) in known else WOULD_QUEUE
    elif await outbox.enqueue(session, key=str(key), recipient=recipient.email, kind="digest",
                              body=body, subject=subject, now=now,
                              person_id=recipient.person_id):
        outcome = QUEUED
    else:
        outcome = ALREADY
    return DigestEntry(recipient.email, recipient.name, subject, outcome, text)


async def queue_digests(
    session: AsyncSession, settings: Settings, now: datetime, *,
    only_email: str | None = None, dry_run: bool = False,
    frequencies: tuple[str, ...] = ALL_FREQUENCIES,
) -> DigestReport:
    """`build_digests` inside the caller's transaction."""
    report = DigestReport()
    inputs = await read_inputs(session, now)
    recipients = list(inputs.roster.people.values())
    if only_email is not None:
        recipients = [r for r in recipients if r.email.lower() == only_email.lower()]
    queued_ids: list[int] = []
    for recipient in sorted(recipients, key=lambda r: r.email):
        if only_email is None and recipient.digest not in frequencies:
            report.entries.append(DigestEntry(recipient.email, recipient.name, "", OFF))
            continue
        content = digest_content(recipient, inputs, now)
        if content.empty and settings.digest_skip_empty and only_email is None:
            report.entries.append(DigestEntry(recipient.email, recipient.name, "", EMPTY))
            continue
        entry = await _queue_one(session, settings, recipient, content, now, dry_run)
        report.entries.append(entry)
        if entry.outcome == QUEUED:
            queued_ids.append(recipient.person_id)
    if queued_ids:  # never in a dry run: nothing was queued
        await mailing.set_last_digest(session, queued_ids, now)
    log.info("digest: %s", report.summary())
    return report


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
    async with services.sessions.begin() as session:
        return await queue_digests(session, services.settings, now, only_email=only_email,
                                   dry_run=dry_run, frequencies=frequencies)


async def queue_preview(
    session: AsyncSession, settings: Settings, now: datetime, *, person_email: str | None,
    to_address: str, to_name: str = "Administrator",
) -> DigestEntry:
    """`preview_digest` inside the caller's transaction."""
    inputs = await read_inputs(session, now)
    people = sorted(inputs.roster.people.values(), key=lambda r: r.email)
    chosen = next((r for r in people if person_email and r.email.lower() ==
                   person_email.lower()), people[0] if people else None)
    if chosen is None:
        return DigestEntry(to_address, to_name, "", "nobody receives a digest yet")
    content = digest_content(chosen, inputs, now)
    key = PreviewKey(now, chosen.person_id, to_address)
    subject, text, body = digest_message(
        settings, key=key, content=content, now=now, to_address=to_address,
        to_name=to_name, subject_prefix=f"[Preview for {chosen.name}] ",
    )
    await outbox.enqueue(session, key=str(key), recipient=to_address, kind="preview", body=body,
                         subject=subject, now=now)
    return DigestEntry(to_address, chosen.name, subject, QUEUED, text)


async def preview_digest(
    services: Services, now: datetime, *, person_email: str | None, to_address: str,
    to_name: str = "Administrator",
) -> DigestEntry:
    """Render one person's digest (or the first recipient's) and queue it to `to_address` only.

    A preview changes nothing else: the person's last digest time stays where it was.
    """
    async with services.sessions.begin() as session:
        return await queue_preview(session, services.settings, now, person_email=person_email,
                                   to_address=to_address, to_name=to_name)
