"""Members (states and organisations), the steering group, the troika and focal points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_, _
from storage import audit
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.models import Member, MemberKind, Person, Role, RoleKind, TroikaRole
from storage.regions import territory_names, un_member_states
from storage.text import bad_characters, fold
from storage.wording import either

TROIKA_ORDER = (TroikaRole.PAST, TroikaRole.PRESENT, TroikaRole.FUTURE)
HOLDS_ALREADY = {
    TroikaRole.PAST: N_("{member} already holds the past troika seat."),
    TroikaRole.PRESENT: N_("{member} already holds the present troika seat."),
    TroikaRole.FUTURE: N_("{member} already holds the future troika seat."),
}


def snapshot(member: Member | None) -> dict[str, Any] | None:
    """What an audit entry keeps of a member."""
    if member is None:
        return None
    return {
        "code": member.code, "name": member.name, "kind": member.kind, "region": member.region,
        "steering": member.steering, "troika": member.troika, "active": member.active,
    }


def person_snapshot(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"name": person.name, "email": person.email, "telegram_id": person.telegram_id}


async def get_member(
    session: AsyncSession, code: str, *, include_removed: bool = False
) -> Member | None:
    query = select(Member).where(Member.code == code.upper())
    if not include_removed:
        query = query.where(Member.active == True)  # noqa: E712
    return (await session.exec(query)).first()


async def list_members(
    session: AsyncSession, *, region: str | None = None, steering: bool | None = None
) -> list[Member]:
    """Active members, by region then name."""
    query = select(Member).where(Member.active == True)  # noqa: E712
    if region is not None:
        query = query.where(Member.region == region)
    if steering is not None:
        query = query.where(Member.steering == steering)
    members = (await session.exec(query)).all()
    return sorted(members, key=lambda m: (m.region or "~", fold(m.name)))


async def troika(session: AsyncSession) -> dict[str, Member]:
    """Troika role -> member holding it."""
    found = await session.exec(
        select(Member).where(Member.active == True, col(Member.troika).is_not(None))  # noqa: E712
    )
    return {m.troika: m for m in found.all() if m.troika}


def _names(member: Member) -> list[str]:
    names = [member.name, member.code, *territory_names(member.code)]
    state = un_member_states().get(member.code)
    if state is not None:
        names += [state.name, *state.aliases]
    return names


@dataclass(frozen=True)
class Match:
    """The members a loosely written name may mean; `member` is set when the match is clear."""

    candidates: list[Member]
    member: Member | None = None


async def resolve(session: AsyncSession, query: str, *, limit: int = 5) -> Match:
    """Members matching a code or a loosely written name ("belgium", "Belgique", "BE").

    A clear match (a code, a name or alias, a small typo) gives `member`; otherwise up to `limit`
    candidates, possibly none. Deterministic: ties are broken by code.
    """
    members = (await session.exec(select(Member).where(Member.active == True))).all()  # noqa: E712
    return match(list(members), query, limit=limit)


def match(members: list[Member], query: str, *, limit: int = 5) -> Match:
    """`resolve` over members already read (a bulk import reads them once for all its rows)."""
    wanted = fold(query)
    if not wanted:
        return Match([])
    by_code = [m for m in members if fold(m.code) == wanted]
    if by_code:
        return Match(by_code, by_code[0])
    exact = sorted((m for m in members if wanted in {fold(n) for n in _names(m)}),
                   key=lambda m: m.code)
    if exact:
        return Match(exact, exact[0] if len(exact) == 1 else None)
    choices = {
        (m.code, i): fold(n) for m in members for i, n in enumerate(_names(m)) if len(n) > 2
    }
    scored: dict[str, float] = {}
    closeness: dict[str, float] = {}  # whole-string similarity: a typo, not just a fragment
    for name, score, (code, _i) in process.extract(
        wanted, choices, scorer=fuzz.WRatio, limit=None, score_cutoff=80
    ):
        scored[code] = max(score, scored.get(code, 0))
        closeness[code] = max(fuzz.ratio(wanted, name), closeness.get(code, 0))
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return Match([])
    by_code_map = {m.code: m for m in members}
    best_code, best = ranked[0]
    clear = len(ranked) == 1 or ranked[1][1] <= best - 5
    candidates = [by_code_map[code] for code, _score in ranked[:limit]]
    if best >= 90 and clear and closeness[best_code] >= 80:
        return Match(candidates, by_code_map[best_code])
    return Match(candidates)


class Matcher:
    """`match` for many queries over the same members: codes and names are folded once, so a
    query written as a code or a name costs a lookup; others go through `match`."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members
        self.codes = {fold(m.code): m for m in members}
        self.names: dict[str, list[Member]] = {}
        for member in sorted(members, key=lambda m: m.code):
            for name in {fold(n) for n in _names(member)}:
                self.names.setdefault(name, []).append(member)

    def __call__(self, query: str) -> Match:
        wanted = fold(query)
        if wanted in self.codes:
            return Match([self.codes[wanted]], self.codes[wanted])
        if len(self.names.get(wanted, ())) == 1:
            return Match(self.names[wanted], self.names[wanted][0])
        return match(self.members, query)


@dataclass(frozen=True)
class Candidate:
    """A member a name may mean, as plain values (they outlive the transaction)."""

    code: str
    name: str


class Unclear(Rejected):
    """A member name that fits several members, or one only loosely: the caller may offer them.
    Its message is the question ("Did you mean Luxembourg (LU)?")."""

    def __init__(self, query: str, candidates: list[Member]) -> None:
        self.query = query
        self.candidates = [Candidate(m.code, m.name) for m in candidates]
        shown = [f"{m.name} ({m.code})" for m in self.candidates]
        super().__init__(_("Did you mean {members}?", members=either(shown)))


async def find(session: AsyncSession, query: str) -> Member:
    """The active member a code or a loosely written name means, for certain: else `Unclear`
    with the candidates, or `Rejected` when no member comes close."""
    found = await resolve(session, query)
    if found.member is not None:
        return found.member
    if found.candidates:
        raise Unclear(query, found.candidates)
    shown = " ".join("".join(ch for ch in query if not bad_characters(ch)).split())[:40]
    raise Rejected(_("I know no member called “{name}”; send /members to list them.",
                     name=shown))


async def focal_points(session: AsyncSession, member_ids: list[int]) -> dict[int, list[Person]]:
    """Member id -> its active focal points."""
    if not member_ids:
        return {}
    rows = await session.exec(
        select(Role.member_id, Person)
        .join(Person, Person.id == Role.person_id)
        .where(col(Role.member_id).in_(member_ids), Role.role == RoleKind.FOCAL_POINT,
               Person.active == True)  # noqa: E712
        .order_by(Person.name)
    )
    result: dict[int, list[Person]] = {}
    for member_id, person in rows.all():
        result.setdefault(member_id, []).append(person)
    return result


def member_kind_of_code(code: str) -> str:
    return MemberKind.STATE if code.upper() in un_member_states() else MemberKind.ORGANISATION


async def add_member(
    session: AsyncSession, *, code: str, name: str, actor: str | int, now: datetime,
    region: str | None = None, kind: str | None = None,
) -> Member:
    """Add a member, or bring back a removed one; states get their UN regional group."""
    code = code.upper()
    existing = await get_member(session, code, include_removed=True)
    if existing is not None and existing.active:
        raise Rejected(_("{code} is already a member ({name}).", code=code, name=existing.name))
    state = un_member_states().get(code)
    before = snapshot(existing)
    member = existing or Member(code=code, name=name, created_at=now)
    member.name = name
    member.kind = kind or member_kind_of_code(code)
    member.region = region or (state.region if state else member.region)
    member.active, member.removed_at = True, None
    session.add(member)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.MEMBER_ADD, subject=code,
                       before=before, after=snapshot(member))
    return member


async def update_member(
    session: AsyncSession, *, code: str, actor: str | int, now: datetime, **changes: Any
) -> Member:
    """Change a member's name, kind or region; audited only when something changed."""
    member = await _existing(session, code)
    before = snapshot(member)
    for name, value in changes.items():
        if name not in ("name", "kind", "region"):
            raise ValueError(f"cannot change {name} here")
        setattr(member, name, value)
    if snapshot(member) != before:
        session.add(member)
        await session.flush()
        await audit.record(session, at=now, actor=actor, action=AuditAction.MEMBER_UPDATE,
                           subject=member.code, before=before, after=snapshot(member))
    return member


async def remove_member(
    session: AsyncSession, *, code: str, actor: str | int, now: datetime
) -> Member:
    """Mark a member removed (its history stays); it leaves the steering group and troika."""
    member = await _existing(session, code)
    before = snapshot(member)
    member.active, member.removed_at = False, now
    member.steering, member.troika = False, None
    session.add(member)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.MEMBER_REMOVE,
                       subject=member.code, before=before, after=snapshot(member))
    return member


async def set_steering(
    session: AsyncSession, *, code: str, on: bool, actor: str | int, now: datetime
) -> Member:
    member = await _existing(session, code)
    if member.steering == on:
        raise Rejected(_("{member} is already in the steering group.", member=member.name) if on
                       else _("{member} is not in the steering group.", member=member.name))
    before = snapshot(member)
    member.steering = on
    session.add(member)
    await session.flush()
    await audit.record(session, at=now, actor=actor,
                       action=AuditAction.STEERING_ADD if on else AuditAction.STEERING_REMOVE,
                       subject=member.code, before=before, after=snapshot(member))
    return member


async def set_troika(
    session: AsyncSession, *, role: str, code: str, actor: str | int, now: datetime
) -> tuple[Member, Member | None]:
    """Give a troika seat to a member; returns (new holder, previous holder)."""
    member = await _existing(session, code)
    holders = await troika(session)
    previous = holders.get(role)
    if previous is not None and previous.id == member.id:
        raise Rejected(_(HOLDS_ALREADY[role], member=member.name))
    before = {"seat": role, "holder": previous.code if previous else None,
              "member_seat": member.troika}
    if previous is not None:
        previous.troika = None
        session.add(previous)
    member.troika = role
    session.add(member)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.TROIKA_SET, subject=role,
                       before=before, after={"seat": role, "holder": member.code})
    return member, previous


async def find_person(session: AsyncSession, email: str) -> Person | None:
    return (await session.exec(select(Person).where(Person.email == email.lower()))).first()


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).first()


@dataclass(frozen=True)
class FocalChange:
    member: Member
    person: Person
    previous: list[Person]
    created: bool


async def set_focal(
    session: AsyncSession, *, code: str, email: str, name: str, actor: str | int, now: datetime,
    telegram_id: int | None = None, language: str | None = None, timezone: str | None = None,
) -> FocalChange:
    """Make this contact the member's focal point (creating the contact if new)."""
    member = await _existing(session, code)
    email = email.lower()
    if telegram_id is not None:
        holder = await person_by_telegram(session, telegram_id)
        if holder is not None and holder.email != email:
            raise Rejected(_("Telegram id {telegram_id} is already linked to {name}.",
                             telegram_id=telegram_id, name=holder.name))
    person = await find_person(session, email)
    created = person is None
    before_person = person_snapshot(person)
    if person is None:
        person = Person(name=name, email=email, created_at=now)
    person.name, person.active = name, True
    if telegram_id is not None:
        person.telegram_id = telegram_id
    if language:
        person.language = language
    if timezone:
        person.timezone = timezone
    session.add(person)
    await session.flush()
    current = (await focal_points(session, [member.id])).get(member.id, [])
    previous = [p for p in current if p.id != person.id]
    for old in previous:
        role = (await session.exec(select(Role).where(
            Role.person_id == old.id, Role.member_id == member.id,
            Role.role == RoleKind.FOCAL_POINT))).one()
        await session.delete(role)
    if len(previous) == len(current):
        session.add(Role(person_id=person.id, member_id=member.id, role=RoleKind.FOCAL_POINT))
    await session.flush()
    await audit.record(
        session, at=now, actor=actor, action=AuditAction.FOCAL_SET, subject=member.code,
        before={"focal": [person_snapshot(p) for p in current], "person": before_person},
        after={"focal": [person_snapshot(person)]},
    )
    return FocalChange(member, person, previous, created)


async def _existing(session: AsyncSession, code: str) -> Member:
    member = await get_member(session, code)
    if member is None:
        raise Rejected(_("There is no member with the code {code}.", code=code.upper()[:12]))
    return member
