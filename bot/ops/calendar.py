"""The calendar: what is coming up, one meeting as its reader sees it, attendance answers, and
scheduling, moving and cancelling meetings (storage writes the audit entry and raises the
meeting's SEQUENCE, so invitations already sent are updated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import parsing
from bot.i18n import _
from bot.ops.admin import require_admin
from bot.services import Services
from storage import attendance_answers, meetings
from storage.errors import Rejected
from storage.meetings import AttendanceReport, MeetingLine
from storage.models import Answer, Meeting, MeetingStatus
from storage.people import Viewer


@dataclass(frozen=True)
class MeetingView:
    """One meeting for one reader: their answer, and whether they may (still) answer."""

    meeting: Meeting
    answer: str | None
    can_answer: bool


async def next_meeting(services: Services, *, kind: str | None = None) -> MeetingLine | None:
    async with services.reads() as session:
        found = await meetings.upcoming_lines(session, services.now(), limit=1, kind=kind)
    return found[0] if found else None


async def upcoming(services: Services) -> list[Meeting]:
    async with services.reads() as session:
        return await meetings.upcoming(session, services.now())


PAGE_SIZE = 15  # meetings per page of /meetings


@dataclass(frozen=True)
class MeetingPage:
    """One page of the upcoming meetings, and how many there are in all."""

    meetings: list[MeetingLine]
    total: int
    page: int

    @property
    def count(self) -> int:
        """How many pages."""
        return max(1, -(-self.total // PAGE_SIZE))


async def upcoming_page(services: Services, page: int) -> MeetingPage:
    """Only page `page` of the upcoming meetings is read (and counted in SQL)."""
    now = services.now()
    async with services.reads() as session:
        counted = await services.memo.get("upcoming meetings",
                                          lambda: meetings.count_upcoming(session, now),
                                          holds=lambda kept: kept.holds(now))
        found = await meetings.upcoming_lines(session, now, offset=page * PAGE_SIZE,
                                              limit=PAGE_SIZE)
    return MeetingPage(found, counted.total, page)


async def between(services: Services, start: datetime, end: datetime) -> list[Meeting]:
    async with services.sessions() as session:
        return await meetings.between(session, start, end)


async def get_meeting(services: Services, meeting_id: int) -> Meeting:
    async with services.sessions() as session:
        meeting = await meetings.get_meeting(session, meeting_id)
    if meeting is None:
        raise Rejected(_("There is no meeting number {number}.", number=meeting_id))
    return meeting


async def view_meeting(services: Services, viewer: Viewer, meeting_id: int) -> MeetingView:
    """The meeting, the viewer's answer, and whether they are invited and it is not too late."""
    async with services.sessions() as session:
        meeting = await meetings.get_meeting(session, meeting_id)
        if meeting is None:
            raise Rejected(_("There is no meeting number {number}; see /meetings.",
                             number=meeting_id))
        if viewer.person_id is None:
            return MeetingView(meeting, None, False)
        answer = await meetings.answer_of(session, meeting_id, viewer.person_id)
        can_answer = (meeting.status != MeetingStatus.CANCELLED
                      and meeting.starts_at > services.now()
                      and await meetings.is_invited(session, meeting, viewer.person_id))
    return MeetingView(meeting, answer, can_answer)


async def answer_invitation(services: Services, viewer: Viewer, meeting_id: int,
                            answer: str) -> Meeting:
    """Record the viewer's yes / no / maybe (changeable until the meeting starts)."""
    if viewer.person_id is None:
        raise Rejected(_("Only linked contacts answer invitations; link with /link."))
    async with services.sessions.begin() as session:
        meeting, _changed = await attendance_answers.answer(
            session, meeting_id=meeting_id, person_id=viewer.person_id, answer=Answer(answer),
            via=attendance_answers.TELEGRAM, now=services.now(), actor=viewer.actor)
        return meeting


async def attendance(services: Services, viewer: Viewer, meeting_id: int) -> AttendanceReport:
    require_admin(viewer)
    async with services.sessions() as session:
        return await meetings.attendance_report(session, meeting_id)


@dataclass(frozen=True)
class Scheduled:
    """A meeting just added or moved, and the meetings of the same audience it overlaps (a
    warning for the administrator: the change was made)."""

    meeting: Meeting
    overlaps: list[Meeting]


async def add_meeting(services: Services, viewer: Viewer, *, starts_at: datetime,
                      timezone: str, title: str, location: str, audience: str,
                      ends_at: datetime | None = None, agenda: str = "") -> Scheduled:
    """Schedule a meeting (two hours when no end is given)."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        meeting = await meetings.add_meeting(session, actor=viewer.actor, now=services.now(),
                                             starts_at=starts_at, ends_at=ends_at,
                                             timezone=timezone, title=title, agenda=agenda,
                                             location=location, audience=audience)
        return Scheduled(meeting, await _overlaps(session, meeting))


async def _overlaps(session: AsyncSession, meeting: Meeting) -> list[Meeting]:
    return await meetings.overlapping(session, starts_at=meeting.starts_at,
                                      ends_at=meeting.ends_at, audience=meeting.audience,
                                      exclude_id=meeting.id)


async def move_meeting(services: Services, viewer: Viewer, meeting_id: int, day: str,
                       time: str) -> Scheduled:
    """Move a meeting to a new start, written in the meeting's own time zone; it keeps its
    length."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        meeting = await meetings.get_meeting(session, meeting_id)
        if meeting is None:
            raise Rejected(_("There is no meeting number {number}.", number=meeting_id))
        starts_at = parsing.local_time(day, time, meeting.timezone)
        moved = await meetings.move_meeting(session, meeting_id=meeting_id,
                                            starts_at=starts_at, actor=viewer.actor,
                                            now=services.now())
        return Scheduled(moved, await _overlaps(session, moved))


async def cancel_meeting(services: Services, viewer: Viewer, meeting_id: int) -> Meeting:
    require_admin(viewer)
    async with services.sessions.begin() as session:
        return await meetings.cancel_meeting(session, meeting_id=meeting_id, actor=viewer.actor,
                                             now=services.now())
