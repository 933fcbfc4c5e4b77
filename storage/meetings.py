"""Meetings, who is invited, and attendance."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _
from storage import audit
from storage.audit import AuditAction
from storage.db import dialect_insert
from storage.errors import Rejected
from storage.models import (
    Answer,
    Attendance,
    Audience,
    AuditEntry,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    OutboxMessage,
    Person,
    Role,
)
from storage.outbox import SUPERSEDED

DEFAULT_LENGTH = timedelta(hours=2)
UID_DOMAIN = "fof.gfmd.example"


def snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "title": meeting.title, "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(), "timezone": meeting.timezone,
        "location": meeting.location, "audience": meeting.audience, "status": meeting.status,
        "sequence": meeting.sequence, "agenda": meeting.agenda,
    }


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def id_by_uid(session: AsyncSession, uid: str) -> int | None:
    """The meeting with this iCalendar UID."""
    return (await session.exec(select(Meeting.id).where(Meeting.uid == uid))).first()


def _upcoming(query, now: datetime, kind: str | None):
    query = query.where(Meeting.ends_at > now, Meeting.status != MeetingStatus.CANCELLED)
    return query if kind is None else query.where(Meeting.kind == kind)


class MeetingLine(NamedTuple):
    """What a line of /meetings shows of a meeting: plain values, no ORM object to build (a
    named tuple: immutable, and quicker to make than a frozen dataclass)."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    audience: str
    status: str


# /next and every page of /meetings: built once (with or without a kind), plain columns
@cache
def _lines_of_upcoming(by_kind: bool):
    return (
        _upcoming(select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.ends_at,
                         Meeting.timezone, Meeting.location, Meeting.audience, Meeting.status),
                  bindparam("now"), bindparam("kind") if by_kind else None)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
        .offset(bindparam("offset")).limit(bindparam("limit"))
    )


async def upcoming_lines(session: AsyncSession, now: datetime, *, limit: int, offset: int = 0,
                         kind: str | None = None) -> list[MeetingLine]:
    """A page of `upcoming` (of one kind), as the lines of a list need it."""
    found = await session.exec(_lines_of_upcoming(kind is not None), params={
        "now": now, "offset": offset, "limit": limit, "kind": kind})
    return [MeetingLine(*row) for row in found.all()]


# the count, and the soonest end among those counted: until then only a commit changes it
COUNT_UPCOMING = _upcoming(select(func.count(), func.min(Meeting.ends_at)).select_from(Meeting),
                           bindparam("now"), None)


@dataclass(frozen=True)
class UpcomingCount:
    total: int
    since: datetime  # when it was counted
    until: datetime | None  # it holds until this instant (the soonest end), or for good

    def holds(self, now: datetime) -> bool:
        return self.since <= now and (self.until is None or now < self.until)


async def upcoming(session: AsyncSession, now: datetime) -> list[Meeting]:
    """Meetings not yet over and not cancelled, soonest first."""
    query = _upcoming(select(Meeting), now, None).order_by(col(Meeting.starts_at),
                                                           col(Meeting.id))
    return list((await session.exec(query)).all())


async def count_upcoming(session: AsyncSession, now: datetime) -> UpcomingCount:
    """How many meetings `upcoming` would return without a limit, and until when that holds
    (nothing committed meanwhile)."""
    total, until = (await session.exec(COUNT_UPCOMING, params={"now": now})).one()
    return UpcomingCount(total, now, until)


async def between(session: AsyncSession, start: datetime, end: datetime) -> list[Meeting]:
    """Meetings starting in [start, end), cancelled ones included (they show as cancelled)."""
    query = (
        select(Meeting)
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    return list((await session.exec(query)).all())


async def overlapping(
    session: AsyncSession, *, starts_at: datetime, ends_at: datetime, audience: str,
    exclude_id: int | None = None,
) -> list[Meeting]:
    """Meetings of the same audience, not cancelled, whose time overlaps [starts_at, ends_at)."""
    query = (
        select(Meeting)
        .where(Meeting.audience == audience, Meeting.status != MeetingStatus.CANCELLED,
               Meeting.starts_at < ends_at, Meeting.ends_at > starts_at)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    return list((await session.exec(query)).all())


def meeting_kind_of_audience(audience: str) -> str:
    return {Audience.STEERING: MeetingKind.STEERING,
            Audience.TROIKA: MeetingKind.TROIKA}.get(audience, MeetingKind.FRIENDS)


async def add_meeting(
    session: AsyncSession, *, title: str, starts_at: datetime, timezone: str, location: str,
    audience: str, actor: str | int, now: datetime, ends_at: datetime | None = None,
    kind: str | None = None, agenda: str = "",
) -> Meeting:
    """A new meeting; without an end it lasts two hours."""
    if starts_at <= now:
        raise Rejected(_("That time has already passed."))
    ends_at = ends_at or starts_at + DEFAULT_LENGTH
    if ends_at <= starts_at:
        raise Rejected(_("A meeting must end after it starts."))
    meeting = Meeting(
        title=title, kind=kind or meeting_kind_of_audience(audience), starts_at=starts_at,
        ends_at=ends_at, timezone=timezone, location=location, agenda=agenda,
        audience=audience, uid=f"{uuid.uuid4()}@{UID_DOMAIN}", created_at=now, updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.MEETING_ADD,
                       subject=f"{meeting.id} {title}", after=snapshot(meeting))
    return meeting


async def _changeable(session: AsyncSession, meeting_id: int, now: datetime) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    if meeting is None:
        raise Rejected(_("There is no meeting number {number}.", number=meeting_id))
    if meeting.status == MeetingStatus.CANCELLED:
        raise Rejected(_("Meeting {number} is cancelled.", number=meeting_id))
    if meeting.starts_at <= now:
        raise Rejected(_("Meeting {number} has already started.", number=meeting_id))
    return meeting


async def move_meeting(
    session: AsyncSession, *, meeting_id: int, starts_at: datetime, actor: str | int,
    now: datetime,
) -> Meeting:
    """Move a meeting, keeping its length; the raised sequence updates everyone's calendars."""
    meeting = await _changeable(session, meeting_id, now)
    if starts_at <= now:
        raise Rejected(_("That time has already passed."))
    if starts_at == meeting.starts_at:
        raise Rejected(_("Meeting {number} already starts then.", number=meeting_id))
    before = snapshot(meeting)
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, starts_at + length
    return await _announce_change(session, meeting, before, MeetingStatus.MOVED,
                                  action=AuditAction.MEETING_MOVE, actor=actor, now=now)


async def cancel_meeting(
    session: AsyncSession, *, meeting_id: int, actor: str | int, now: datetime
) -> Meeting:
    meeting = await _changeable(session, meeting_id, now)
    return await _announce_change(session, meeting, snapshot(meeting), MeetingStatus.CANCELLED,
                                  action=AuditAction.MEETING_CANCEL, actor=actor, now=now)


async def _announce_change(
    session: AsyncSession, meeting: Meeting, before: dict[str, Any], status: str, *,
    action: str, actor: str | int, now: datetime,
) -> Meeting:
    """Every change raises SEQUENCE, so calendars replace the event they already hold."""
    meeting.status, meeting.sequence, meeting.updated_at = status, meeting.sequence + 1, now
    session.add(meeting)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=action,
                       subject=f"{meeting.id} {meeting.title}", before=before,
                       after=snapshot(meeting))
    return meeting


MEETING_CHANGES = (AuditAction.MEETING_ADD, AuditAction.MEETING_MOVE, AuditAction.MEETING_CANCEL)


async def starts_by_sequence(session: AsyncSession, meeting_id: int) -> dict[int, datetime]:
    """SEQUENCE -> when the meeting started at that SEQUENCE, read from the audit entries that
    every change writes with its snapshots before and after (so an update can say what a
    reader was last told, however many moves ago that was). Unknown sequences are missing."""
    found = await session.exec(
        select(AuditEntry).where(
            col(AuditEntry.action).in_(MEETING_CHANGES),
            col(AuditEntry.subject).startswith(f"{meeting_id} ", autoescape=True),
        ).order_by(col(AuditEntry.id))
    )
    starts: dict[int, datetime] = {}
    for entry in found.all():
        for shot in (entry.before, entry.after):
            if shot and isinstance(shot.get("sequence"), int) and shot.get("starts_at"):
                starts.setdefault(shot["sequence"], datetime.fromisoformat(shot["starts_at"]))
    return starts


async def mail_told(session: AsyncSession, prefixes: Iterable[str]) -> dict[str, datetime]:
    """The keys of the mail queued for one meeting (keys starting with any of `prefixes`), with
    when each was queued, in one query. Rows parked unsent (superseded: a later change made
    them wrong) are left out: they told nobody anything."""
    found = await session.exec(
        select(OutboxMessage.key, OutboxMessage.created_at).where(
            or_(*(col(OutboxMessage.key).startswith(p, autoescape=True) for p in prefixes)),
            col(OutboxMessage.status) != SUPERSEDED,
        )
    )
    return dict(found.all())


def _invited_members(audience: str):
    query = select(Member).where(Member.active == True)  # noqa: E712
    if audience == Audience.STEERING:
        query = query.where(Member.steering == True)  # noqa: E712
    elif audience == Audience.TROIKA:
        query = query.where(col(Member.troika).is_not(None))
    return query


async def invited_members(session: AsyncSession, meeting: Meeting) -> list[Member]:
    members = (await session.exec(_invited_members(meeting.audience))).all()
    return sorted(members, key=lambda m: m.name)


async def is_invited(session: AsyncSession, meeting: Meeting, person_id: int) -> bool:
    """Everyone is invited to meetings for all; otherwise contacts of invited members."""
    if meeting.audience == Audience.ALL:
        return True
    invited = {m.id for m in await invited_members(session, meeting)}
    roles = await session.exec(select(Role.member_id).where(Role.person_id == person_id))
    return bool(invited & set(roles.all()))


async def answer_of(session: AsyncSession, meeting_id: int, person_id: int) -> str | None:
    found = await session.exec(select(Attendance.answer).where(
        Attendance.meeting_id == meeting_id, Attendance.person_id == person_id))
    return found.first()


async def set_attendance(
    session: AsyncSession, *, meeting_id: int, person_id: int, answer: Answer, now: datetime
) -> Meeting:
    """Store a person's answer; it can change until the meeting starts.

    One statement (an upsert on the unique (meeting_id, person_id)), so two first answers at
    the same moment leave one row, the later one's; the same answer again writes nothing."""
    meeting = await _changeable(session, meeting_id, now)
    if not await is_invited(session, meeting, person_id):
        raise Rejected(_("This meeting is not open to the members you represent."))
    insert = dialect_insert(session)
    statement = insert(Attendance).values(
        meeting_id=meeting_id, person_id=person_id, answer=answer.value, updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["meeting_id", "person_id"],
        set_={"answer": statement.excluded.answer, "updated_at": statement.excluded.updated_at},
        where=col(Attendance.answer) != statement.excluded.answer,
    )
    await session.exec(statement)  # type: ignore[call-overload]
    return meeting


@dataclass
class AttendanceReport:
    meeting: Meeting
    # member name -> [(person name, answer)]
    answers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)  # invited members without any answer
    counts: dict[str, int] = field(default_factory=dict)


async def attendance_report(session: AsyncSession, meeting_id: int) -> AttendanceReport:
    meeting = await get_meeting(session, meeting_id)
    if meeting is None:
        raise Rejected(_("There is no meeting number {number}.", number=meeting_id))
    report = AttendanceReport(meeting, counts={a.value: 0 for a in Answer})
    rows = (await session.exec(
        select(Attendance.answer, Person.id, Person.name)
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(Person.name)
    )).all()
    roles = (await session.exec(
        select(Role.person_id, Member.id, Member.name).join(Member, Member.id == Role.member_id)
    )).all()
    members_of: dict[int, set[tuple[int, str]]] = {}
    for person_id, member_id, member_name in roles:
        members_of.setdefault(person_id, set()).add((member_id, member_name))
    answered_members: set[int] = set()
    for answer, person_id, person_name in rows:
        report.counts[answer] = report.counts.get(answer, 0) + 1
        memberships = sorted(members_of.get(person_id, set()), key=lambda m: m[1]) or [
            (0, "No member")]
        for member_id, member_name in memberships:
            answered_members.add(member_id)
            report.answers.setdefault(member_name, []).append((person_name, answer))
    report.answers = dict(sorted(report.answers.items()))
    report.unanswered = [m.name for m in await invited_members(session, meeting)
                         if m.id not in answered_members]
    return report
