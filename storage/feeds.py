"""Calendar feeds: the meetings each feed shows, and each person's feed generation."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.audit import AuditAction
from storage.models import (
    Attendance,
    Audience,
    CalendarFeed,
    Meeting,
    MeetingStatus,
    Member,
    Person,
    Role,
)


def _listed(audiences: set[str]):
    """Meetings for these audiences that still take place (scheduled or moved), in order."""
    return (
        select(Meeting)
        .where(col(Meeting.audience).in_(sorted(audiences)),
               Meeting.status != MeetingStatus.CANCELLED)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )


async def public_meetings(session: AsyncSession) -> list[Meeting]:
    """The meetings whose audience is everyone."""
    return list((await session.exec(_listed({Audience.ALL}))).all())


async def audiences_of(session: AsyncSession, person_id: int) -> set[str]:
    """The audiences a person belongs to, through the active members they represent
    (the same rule as `storage.meetings.is_invited`)."""
    rows = await session.exec(
        select(Member.steering, Member.troika)
        .join(Role, col(Role.member_id) == col(Member.id))
        .where(Role.person_id == person_id, Member.active == True)  # noqa: E712
    )
    audiences: set[str] = {Audience.ALL}
    for steering, troika in rows.all():
        if steering:
            audiences.add(Audience.STEERING)
        if troika:
            audiences.add(Audience.TROIKA)
    return audiences


async def meetings_for(session: AsyncSession, person_id: int) -> list[Meeting]:
    """The meetings a person is invited to."""
    return list((await session.exec(_listed(await audiences_of(session, person_id)))).all())


async def answers_of(session: AsyncSession, person_id: int) -> dict[int, str]:
    """Meeting id -> the person's answer (yes, no, maybe)."""
    rows = await session.exec(select(Attendance.meeting_id, Attendance.answer)
                              .where(Attendance.person_id == person_id))
    return dict(rows.all())


async def active_person(session: AsyncSession, person_id: int) -> Person | None:
    person = await session.get(Person, person_id)
    return person if person is not None and person.active else None


async def generation(session: AsyncSession, person_id: int) -> int:
    """The person's feed generation; 0 until the link is first renewed."""
    found = await session.exec(select(CalendarFeed.generation)
                               .where(CalendarFeed.person_id == person_id))
    return found.first() or 0


async def renew(session: AsyncSession, person_id: int, *, actor: str | int,
                now: datetime) -> int:
    """Raise the person's feed generation (the old link stops working); audited."""
    row = (await session.exec(select(CalendarFeed)
                              .where(CalendarFeed.person_id == person_id))).first()
    if row is None:
        row = CalendarFeed(person_id=person_id, generation=0, renewed_at=now)
    row.generation, row.renewed_at = row.generation + 1, now
    session.add(row)
    await session.flush()
    # The generation is no secret (the key is), but the log needs only that it changed.
    await audit.record(session, at=now, actor=actor, action=AuditAction.SETTINGS_CHANGE,
                       subject=f"{person_id} calendar link", after={"calendar_link": "renewed"})
    return row.generation
