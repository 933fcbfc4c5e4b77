"""What a CSV import compares its rows with: the members it names and their focal points."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.members import focal_points
from storage.models import Member, Person


@dataclass(frozen=True)
class Recorded:
    """A member as recorded now, with its active focal points."""

    member: Member
    focal: list[Person] = field(default_factory=list)


async def recorded(session: AsyncSession, codes: list[str]) -> dict[str, Recorded]:
    """Code -> the active member with that code and its focal points (two queries in all)."""
    found = (await session.exec(
        select(Member).where(col(Member.code).in_(codes), Member.active == True)  # noqa: E712
    )).all()
    focal = await focal_points(session, [m.id for m in found if m.id is not None])
    return {m.code: Recorded(m, focal.get(m.id or 0, [])) for m in found}
