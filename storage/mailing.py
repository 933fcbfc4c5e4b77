"""Queries for mail: who is in which audience, what is coming up, what is open.

Everything returns plain values (or detached rows with no relationships), so the mail code
renders without touching the database again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.actions import OPEN_STATUSES, ActionView, view_of
from storage.models import (
    ActionItem,
    Attendance,
    Audience,
    Meeting,
    MeetingStatus,
    Member,
    Person,
    Role,
    RoleKind,
)

MAIL_ROLES = (RoleKind.FOCAL_POINT, RoleKind.STEERING_REP)


@dataclass(frozen=True)
class MemberInfo:
    id: int
    code: str
    name: str
    steering: bool
    troika: str | None


@dataclass(frozen=True)
class Recipient:
    """A person as mail needs them: where to write, how, and what they hold."""

    person_id: int
    name: str
    email: str
    timezone: str
    language: str
    telegram_id: int | None
    telegram_reminders: bool
    telegram_unreachable: bool
    reminders: bool
    digest: str
    last_digest_at: datetime | None
    roles: tuple[tuple[str, str], ...] = ()  # (member code, role)

    @property
    def telegram_chat(self) -> int | None:
        """The chat to remind in, when linked, opted in and not known to have blocked us."""
        if self.telegram_id is None or not self.telegram_reminders or self.telegram_unreachable:
            return None
        return self.telegram_id


def _recipient(person: Person, roles: Iterable[tuple[str, str]] = ()) -> Recipient:
    assert person.id is not None
    return Recipient(
        person_id=person.id,
        name=person.name,
        email=person.email,
        timezone=person.timezone or "UTC",
        language=person.language or "en",
        telegram_id=person.telegram_id,
        telegram_reminders=person.telegram_reminders,
        telegram_unreachable=person.telegram_unreachable,
        reminders=person.reminders,
        digest=person.digest,
        last_digest_at=person.last_digest_at,
        roles=tuple(sorted(set(roles))),
    )


@dataclass
class Roster:
    """Active members and the active people who hold a focal-point or steering role for them."""

    members: dict[int, MemberInfo] = field(default_factory=dict)
    people: dict[int, Recipient] = field(default_factory=dict)
    # (person id, member id, role)
    roles: list[tuple[int, int, str]] = field(default_factory=list)
    _index: tuple[int, dict[int, set[int]], dict[int, list[int]]] | None = field(
        default=None, repr=False, compare=False)

    def audience(self, audience: str) -> list[Recipient]:
        """Who a meeting of this audience concerns, each person once.

        all: every focal point; steering: steering-group representatives and focal points of
        steering-group members; troika: focal points and representatives of the troika.
        """
        chosen: set[int] = set()
        for person_id, member_id, role in self.roles:
            member = self.members[member_id]
            if audience == Audience.ALL:
                hit = role == RoleKind.FOCAL_POINT
            elif audience == Audience.STEERING:
                hit = member.steering
            elif audience == Audience.TROIKA:
                hit = member.troika is not None
            else:
                hit = False
            if hit:
                chosen.add(person_id)
        return sorted((self.people[p] for p in chosen), key=lambda r: r.email)

    def _indexed(self) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """(person -> their member ids, member -> its focal points), built once: looking one
        person or member up must not walk every role (that made the digest quadratic)."""
        if self._index is None or self._index[0] != len(self.roles):
            by_person: dict[int, set[int]] = defaultdict(set)
            focal: dict[int, list[int]] = defaultdict(list)
            for person_id, member_id, role in self.roles:
                by_person[person_id].add(member_id)
                if role == RoleKind.FOCAL_POINT:
                    focal[member_id].append(person_id)
            self._index = (len(self.roles), by_person, focal)
        return self._index[1], self._index[2]

    def focal_points(self, member_id: int) -> list[Recipient]:
        return [self.people[p] for p in self._indexed()[1].get(member_id, ())]

    def member_ids_of(self, person_id: int) -> set[int]:
        return set(self._indexed()[0].get(person_id, ()))

    def is_steering(self, person_id: int) -> bool:
        return any(self.members[m].steering for m in self._indexed()[0].get(person_id, ()))


async def roster(session: AsyncSession) -> Roster:
    result = await session.exec(
        select(Person, Member, Role.role)
        .join(Role, col(Role.person_id) == col(Person.id))
        .join(Member, col(Member.id) == col(Role.member_id))
        .where(Person.active == True, Member.active == True,  # noqa: E712
               col(Role.role).in_(MAIL_ROLES))
        .order_by(col(Person.email))
    )
    found = Roster()
    held: dict[int, list[tuple[str, str]]] = defaultdict(list)
    people: dict[int, Person] = {}
    for person, member, role in result.all():
        assert person.id is not None and member.id is not None
        found.members[member.id] = MemberInfo(member.id, member.code, member.name,
                                              member.steering, member.troika)
        found.roles.append((person.id, member.id, role))
        held[person.id].append((member.code, role))
        people[person.id] = person
    found.people = {pid: _recipient(person, held[pid]) for pid, person in people.items()}
    return found


async def digest_zones(session: AsyncSession, frequencies: Iterable[str]) -> list[str]:
    """The zones of the people who may get a digest of these frequencies (the roster's people:
    active, with a mail role in an active member), each once."""
    result = await session.exec(
        select(Person.timezone).distinct()
        .join(Role, col(Role.person_id) == col(Person.id))
        .join(Member, col(Member.id) == col(Role.member_id))
        .where(Person.active == True, Member.active == True,  # noqa: E712
               col(Role.role).in_(MAIL_ROLES), col(Person.digest).in_(list(frequencies)))
    )
    return sorted({zone or "UTC" for zone in result.all()})


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Recipient | None:
    person = (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).first()
    return _recipient(person) if person is not None else None


async def meetings_not_started(session: AsyncSession, now: datetime) -> list[Meeting]:
    """Every meeting that has not started yet, in any status (cancelled ones too)."""
    result = await session.exec(
        select(Meeting).where(col(Meeting.starts_at) > now).order_by(col(Meeting.starts_at))
    )
    return list(result.all())


async def meetings_between(session: AsyncSession, start: datetime, end: datetime) -> list[Meeting]:
    """Meetings that are not cancelled and start in [start, end)."""
    result = await session.exec(
        select(Meeting)
        .where(col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end,
               col(Meeting.status) != MeetingStatus.CANCELLED)
        .order_by(col(Meeting.starts_at))
    )
    return list(result.all())


async def meetings_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Meeting]:
    result = await session.exec(select(Meeting).where(col(Meeting.id).in_(list(ids))))
    return {m.id: m for m in result.all() if m.id is not None}


async def answers(session: AsyncSession, meeting_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """(meeting id, person id) -> yes / no / maybe."""
    result = await session.exec(
        select(Attendance).where(col(Attendance.meeting_id).in_(list(meeting_ids)))
    )
    return {(a.meeting_id, a.person_id): a.answer for a in result.all()}


async def open_actions(session: AsyncSession) -> list[ActionView]:
    """Open and in-progress action items of active members, soonest due first."""
    result = await session.exec(
        select(ActionItem, Member)
        .join(Member, col(Member.id) == col(ActionItem.member_id))
        .where(col(ActionItem.status).in_(OPEN_STATUSES), Member.active == True)  # noqa: E712
        .order_by(col(ActionItem.due_date), col(ActionItem.id))
    )
    return [view_of(a, m) for a, m in result.all()]


async def people_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Recipient]:
    result = await session.exec(
        select(Person).where(col(Person.id).in_(list(ids)), Person.active == True)  # noqa: E712
    )
    return {p.id: _recipient(p) for p in result.all() if p.id is not None}


async def set_last_digest(session: AsyncSession, person_ids: Iterable[int], at: datetime) -> None:
    """One UPDATE for the whole batch (no row loaded)."""
    ids = list(person_ids)
    if ids:
        await session.exec(  # type: ignore[call-overload]
            update(Person).where(col(Person.id).in_(ids)).values(last_digest_at=at)
        )


async def mark_telegram_unreachable(session: AsyncSession, person_id: int) -> None:
    """The person blocked the bot: nothing more is queued for them in Telegram."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.telegram_unreachable = True
