"""Membership: members by region, the steering group, the troika, focal points, the viewer's
contact card, and the administrators' changes to members, steering, troika and focal points."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.ops.admin import require_admin
from bot.services import Services
from storage import bounces, members, people
from storage.members import FocalChange
from storage.models import Member, Person
from storage.people import Card, Viewer


@dataclass(frozen=True)
class SteeringGroup:
    """The steering group's members (by region, then name) and the troika seats."""

    members: list[Member]
    troika: dict[str, Member]


@dataclass(frozen=True)
class FocalAnswer:
    """A member's focal points; `member` is None when the name did not resolve clearly."""

    member: Member | None
    people: list[Person]
    candidates: list[Member]
    # person id -> since when their address bounces (administrators only)
    bouncing: dict[int, datetime] = field(default_factory=dict)


async def list_members(services: Services, viewer: Viewer,
                       region: str | None = None) -> list[Member]:
    """Active members by region then name, optionally of one regional group."""
    async with services.sessions() as session:
        return await members.list_members(session, region=region)


async def troika(services: Services, viewer: Viewer) -> dict[str, Member]:
    """Troika seat -> the member holding it."""
    async with services.sessions() as session:
        return await members.troika(session)


async def steering_group(services: Services, viewer: Viewer) -> SteeringGroup:
    async with services.sessions() as session:
        return SteeringGroup(await members.list_members(session, steering=True),
                             await members.troika(session))


async def focal_points(services: Services, viewer: Viewer, query: str) -> FocalAnswer:
    """A member named loosely ("belgium", "Belgique", "BE") and its focal points."""
    async with services.sessions() as session:
        found = await members.resolve(session, query)
        if found.member is None:
            return FocalAnswer(None, [], found.candidates)
        member = found.member
        found_people = (await members.focal_points(session, [member.id])).get(member.id, [])
        bouncing = {} if not viewer.is_admin else {
            c.person_id: c.since for c in await bounces.bouncing_contacts(
                session, [p.id for p in found_people if p.id is not None])}
    return FocalAnswer(member, found_people, found.candidates, bouncing)


async def contact_card(services: Services, viewer: Viewer) -> Card | None:
    """The viewer's own contact record and roles; None without a linked record."""
    if viewer.person_id is None:
        return None
    async with services.sessions() as session:
        return await people.card(session, viewer.person_id)


async def find_member(services: Services, viewer: Viewer, query: str) -> Member:
    """The active member a code or a loosely written name means (what a removal asks to
    confirm); `members.Unclear` with the candidates when it is not certain."""
    async with services.sessions() as session:
        return await members.find(session, query)


async def add_member(services: Services, viewer: Viewer, code: str, name: str) -> Member:
    """Add a member, or bring back a removed one."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        return await members.add_member(session, code=code, name=name, actor=viewer.actor,
                                        now=services.now())


async def remove_member(services: Services, viewer: Viewer, code: str) -> Member:
    """Mark a member removed; its history stays."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        return await members.remove_member(session, code=code, actor=viewer.actor,
                                           now=services.now())


async def set_steering(services: Services, viewer: Viewer, query: str, on: bool) -> Member:
    """Add a member (a code or a loosely written name) to the steering group (on) or take it
    out."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        code = (await members.find(session, query)).code
        return await members.set_steering(session, code=code, on=on, actor=viewer.actor,
                                          now=services.now())


async def set_troika(services: Services, viewer: Viewer, role: str,
                     query: str) -> tuple[Member, Member | None]:
    """Give a troika seat to a member (a code or a name); returns (new holder, previous)."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        code = (await members.find(session, query)).code
        return await members.set_troika(session, role=role, code=code, actor=viewer.actor,
                                        now=services.now())


async def set_focal(services: Services, viewer: Viewer, *, code: str, email: str, name: str,
                    telegram_id: int | None = None) -> FocalChange:
    """Make a contact (created if new, optionally linked to Telegram) the focal point of a
    member (`code`: its code or a loosely written name)."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        code = (await members.find(session, code)).code
        return await members.set_focal(session, code=code, email=email, name=name,
                                       telegram_id=telegram_id, actor=viewer.actor,
                                       now=services.now())
