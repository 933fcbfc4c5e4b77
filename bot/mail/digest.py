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
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.mail.digest_changes import ChangeIndex, Reader, describe_change
from bot.mail.keys import DigestKey, PreviewKey
from bot.mail.messages import (
    DIGEST_LIST_LIMIT,
    DIGEST_NAMES_LIMIT,
    ActionLine,
    DigestContent,
    MeetingLine,
    digest_message,
)
from bot.mail.render import day, when_both
from bot.services import Services
from storage import audit, mailing, outbox
from storage.actions import ActionView
from storage.mailing import MemberInfo, Recipient, Roster
from storage.models import Audience, DigestFrequency, Meeting
from storage.outbox import NewMessage

log = logging.getLogger(__name__)
__all__ = ["describe_change"]  # kept here for callers; it lives in digest_changes

HORIZON = timedelta(weeks=4)
BATCH = 250  # recipients rendered, then enqueued in one statement
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
# Building


def _changes_since(recipient: Recipient, now: datetime) -> datetime:
    lookback = FIRST_LOOKBACK.get(recipient.digest, timedelta(days=7))  # type: ignore[call-overload]
    return recipient.last_digest_at or now - lookback


@dataclass(frozen=True)
class DigestInputs:
    """Everything every recipient's digest is cut from, read once per run and indexed, so that
    cutting one digest costs the same whatever the number of recipients."""

    roster: Roster
    meetings: list[Meeting]
    answers: dict[tuple[int, int], str]
    audiences: dict[str, set[int]]
    changes: ChangeIndex
    actions_by_member: dict[int, list[ActionView]]
    actions_by_assignee: dict[int, list[ActionView]]
    steering_members: list[MemberInfo]
    steering_actions: list[ActionView]


def _action_lines(actions: list[ActionView], recipient: Recipient, today: date,
                  ) -> tuple[list[ActionLine], int, int]:
    """The first DIGEST_LIST_LIMIT lines, the total and how many are overdue."""
    lines = [ActionLine(a, day(a.due_date, recipient.language), a.overdue(today))
             for a in actions[:DIGEST_LIST_LIMIT]]
    return lines, len(actions), sum(1 for a in actions if a.overdue(today))


def _own_actions(recipient: Recipient, inputs: DigestInputs) -> list[ActionView]:
    pid = recipient.person_id
    own = inputs.roster.member_ids_of(pid)
    chosen = {a.id: a for m in own for a in inputs.actions_by_member.get(m, ())}
    chosen.update((a.id, a) for a in inputs.actions_by_assignee.get(pid, ()))
    return sorted(chosen.values(), key=lambda a: (a.due_date, a.id))


def digest_content(recipient: Recipient, inputs: DigestInputs, now: datetime) -> DigestContent:
    zone = ZoneInfo(recipient.timezone)
    today = now.astimezone(zone).date()
    content = DigestContent(recipient, today)
    pid = recipient.person_id
    invited = tuple(a for a, people in inputs.audiences.items() if pid in people)
    for meeting in inputs.meetings:
        if meeting.audience in invited:
            content.meetings.append(MeetingLine(
                meeting,
                when_both(meeting.starts_at, recipient.timezone, meeting.timezone,
                          recipient.language),
                inputs.answers.get((meeting.id or 0, pid)),
            ))
    own = _own_actions(recipient, inputs)
    content.actions, content.actions_total, content.overdue_total = _action_lines(
        own, recipient, today)
    steering = inputs.roster.is_steering(pid)
    if steering:
        content.steering_members = inputs.steering_members[:DIGEST_NAMES_LIMIT]
        content.steering_members_total = len(inputs.steering_members)
        listed = {a.id for a in own}
        others = [a for a in inputs.steering_actions if a.id not in listed]
        content.steering_actions, content.steering_actions_total, _ = _action_lines(
            others, recipient, today)
    reader = Reader(tuple(code for code, _ in recipient.roles), steering, invited)
    content.changes = inputs.changes.lines_for(reader, _changes_since(recipient, now), now)
    return content


async def read_inputs(session: AsyncSession, now: datetime) -> DigestInputs:
    """A fixed number of queries, whatever the number of recipients."""
    roster = await mailing.roster(session)
    meetings = await mailing.meetings_between(session, now, now + HORIZON)
    answers = await mailing.answers(session, [m.id for m in meetings if m.id is not None])
    actions = await mailing.open_actions(session)
    # One query for every recipient's "what changed", from the earliest point anyone needs.
    earliest = min((_changes_since(r, now) for r in roster.people.values()), default=now)
    codes = {m.id: m.code for m in roster.members.values()}
    by_member: dict[int, list[ActionView]] = defaultdict(list)
    by_assignee: dict[int, list[ActionView]] = defaultdict(list)
    for action in actions:  # soonest due first, and so is each list
        by_member[action.member_id].append(action)
        if action.assignee_id is not None:
            by_assignee[action.assignee_id].append(action)
    steering = sorted((m for m in roster.members.values() if m.steering), key=lambda m: m.name)
    steering_ids = {m.id for m in steering}
    return DigestInputs(
        roster=roster, meetings=meetings, answers=answers,
        audiences={a: {r.person_id for r in roster.audience(a)} for a in Audience},
        changes=ChangeIndex.build(await audit.since(session, earliest), codes,
                                  {m.code for m in steering}),
        actions_by_member=by_member, actions_by_assignee=by_assignee,
        steering_members=steering,
        steering_actions=[a for a in actions if a.member_id in steering_ids],
    )


@dataclass(frozen=True)
class _Rendered:
    recipient: Recipient
    key: str
    subject: str
    text: str
    body: str


async def _queue_batch(session: AsyncSession, rendered: list[_Rendered], now: datetime,
                       dry_run: bool) -> list[DigestEntry]:
    """Two statements for the whole batch (one in a dry run), never one per recipient."""
    keys = [r.key for r in rendered]
    if dry_run:
        known = await outbox.existing_keys(session, keys)
        added = {k for k in keys if k not in known}
    else:
        added = await outbox.enqueue_many(session, [
            NewMessage(key=r.key, recipient=r.recipient.email, kind="digest", body=r.body,
                       subject=r.subject, person_id=r.recipient.person_id) for r in rendered
        ], now=now)
        await mailing.set_last_digest(
            session, [r.recipient.person_id for r in rendered if r.key in added], now)
    queued = WOULD_QUEUE if dry_run else QUEUED
    return [DigestEntry(r.recipient.email, r.recipient.name, r.subject,
                        queued if r.key in added else ALREADY, r.text) for r in rendered]


def _render(settings: Settings, recipient: Recipient, content: DigestContent,
            now: datetime) -> _Rendered:
    key = DigestKey(content.local_day, recipient.person_id)
    subject, text, body = digest_message(settings, key=key, content=content, now=now)
    return _Rendered(recipient, str(key), subject, text, body)


Enqueue = Callable[[list[_Rendered]], Awaitable[list[DigestEntry]]]


async def _queue_all(inputs: DigestInputs, settings: Settings, now: datetime, enqueue: Enqueue,
                     *, only_email: str | None, frequencies: tuple[str, ...],
                     zones: frozenset[str] | None = None) -> DigestReport:
    """BATCH recipients at a time: rendered, then handed to `enqueue` at once, so memory holds
    one batch of messages and the outbox fills as the run goes."""
    report = DigestReport()
    recipients = sorted(inputs.roster.people.values(), key=lambda r: r.email)
    if only_email is not None:
        recipients = [r for r in recipients if r.email.lower() == only_email.lower()]
    if zones is not None:  # a scheduled run: the readers whose morning it is
        recipients = [r for r in recipients if r.timezone in zones]
    for start in range(0, len(recipients), BATCH):
        rendered: list[_Rendered] = []
        for recipient in recipients[start:start + BATCH]:
            if only_email is None and recipient.digest not in frequencies:
                report.entries.append(DigestEntry(recipient.email, recipient.name, "", OFF))
                continue
            content = digest_content(recipient, inputs, now)
            if content.empty and settings.digest_skip_empty and only_email is None:
                report.entries.append(DigestEntry(recipient.email, recipient.name, "", EMPTY))
                continue
            rendered.append(_render(settings, recipient, content, now))
        if rendered:
            report.entries.extend(await enqueue(rendered))
    report.entries.sort(key=lambda e: e.email)
    log.info("digest: %s", report.summary())
    return report


async def queue_digests(
    session: AsyncSession, settings: Settings, now: datetime, *,
    only_email: str | None = None, dry_run: bool = False,
    frequencies: tuple[str, ...] = ALL_FREQUENCIES,
) -> DigestReport:
    """`build_digests` inside the caller's transaction (in batches all the same)."""
    inputs = await read_inputs(session, now)

    async def enqueue(rendered: list[_Rendered]) -> list[DigestEntry]:
        return await _queue_batch(session, rendered, now, dry_run)

    return await _queue_all(inputs, settings, now, enqueue, only_email=only_email,
                            frequencies=frequencies)


async def build_digests(
    services: Services,
    now: datetime,
    *,
    only_email: str | None = None,
    dry_run: bool = False,
    frequencies: tuple[str, ...] = ALL_FREQUENCIES,
    zones: frozenset[str] | None = None,
) -> DigestReport:
    """Queue today's digest for every recipient whose preference is in `frequencies` (and,
    for a scheduled run, whose zone is in `zones`).

    `only_email` limits the run to that recipient and, being an explicit request, sends even
    when their preference is off or there is nothing to report. `dry_run` renders and reports
    without writing anything. Person.last_digest_at moves to `now` for each digest queued.

    Each batch is committed on its own, so delivery can start on the first while the next is
    built; a crash midway leaves the batches done, and the digest keys make a rerun add only
    the rest.
    """
    if dry_run:
        async with services.sessions() as session:
            return await queue_digests(session, services.settings, now, only_email=only_email,
                                       dry_run=True, frequencies=frequencies)
    async with services.sessions() as session:
        inputs = await read_inputs(session, now)

    async def enqueue(rendered: list[_Rendered]) -> list[DigestEntry]:
        async with services.sessions.begin() as session:
            return await _queue_batch(session, rendered, now, False)

    return await _queue_all(inputs, services.settings, now, enqueue, only_email=only_email,
                            frequencies=frequencies, zones=zones)


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
