"""People, their roles, and who is asking (the viewer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Admin, Member, Person, Role


@dataclass(frozen=True)
class Viewer:
    """Who sent an update, as far as authorisation and formatting need to know."""

    telegram_id: int
    is_admin: bool = False
    person_id: int | None = None
    name: str | None = None
    timezone: str = "UTC"
    language: str = "en"
    member_codes: tuple[str, ...] = field(default=())

    @property
    def is_linked(self) -> bool:
        return self.person_id is not None


async def is_admin(session: AsyncSession, telegram_id: int) -> bool:
    found = await session.exec(select(Admin.id).where(Admin.telegram_id == telegram_id))
    return found.first() is not None


async def get_viewer(session: AsyncSession, telegram_id: int) -> Viewer:
    admin = await is_admin(session, telegram_id)
    person = (
        await session.exec(
            select(Person).where(Person.telegram_id == telegram_id, Person.active == True)  # noqa: E712
        )
    ).first()
    if person is None:
        return Viewer(telegram_id=telegram_id, is_admin=admin)
    codes = await session.exec(
        select(Member.code)
        .join(Role, Role.member_id == Member.id)
        .where(Role.person_id == person.id, Member.active == True)  # noqa: E712
        .distinct()
    )
    return Viewer(
        telegram_id=telegram_id,
        is_admin=admin,
        person_id=person.id,
        name=person.name,
        timezone=person.timezone,
        language=person.language,
        member_codes=tuple(sorted(codes.all())),
    )


async def ensure_admins(
    session: AsyncSession, telegram_ids: list[int], *, at: datetime
) -> list[int]:
    """Bootstrap administrators from FOF_ADMIN_IDS; returns the ids that were added."""
    added = []
    for telegram_id in telegram_ids:
        if not await is_admin(session, telegram_id):
            session.add(Admin(telegram_id=telegram_id, added_by="config", added_at=at))
            added.append(telegram_id)
    await session.flush()
    return added
