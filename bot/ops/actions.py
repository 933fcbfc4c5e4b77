"""Action items: listing (open, overdue, all, mine, a member's), one item with its history,
and the changes: done, note (by the owning member's contacts and administrators), new item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _
from bot.ops.admin import require_admin
from bot.services import Services
from storage import actions, members
from storage.actions import ActionDetail, ActionView
from storage.errors import Rejected
from storage.models import ActionItem, Member
from storage.people import Viewer


@dataclass(frozen=True)
class ActionListing:
    """What /actions shows: the rows, and for whom; or the members a loose name could mean."""

    which: str  # open, overdue or all
    today: date
    rows: list[ActionView] = field(default_factory=list)
    member: Member | None = None  # the member asked for
    mine: bool = False  # the viewer's own members' items and those assigned to them
    candidates: list[Member] = field(default_factory=list)  # an unclear member name
    unknown: bool = False  # no member by that name
    total: int = 0  # how many items match (all pages)
    page: int = 0  # which page `rows` is, when one page was asked for


PAGE_SIZE = 20  # action items per page of /actions


async def list_actions(services: Services, viewer: Viewer, which: str = "open",
                       member_query: str | None = None, *, mine: bool = False,
                       page: int | None = None) -> ActionListing:
    """`which` is open, overdue, all or mine; `member_query` a code or a loosely written name.
    With `page`, only that page (PAGE_SIZE items) is read, and `total` is counted in SQL."""
    if which == "mine":
        which, mine = "open", True
    today = services.today()
    codes: tuple[str, ...] | None = None
    person_id = None
    async with services.reads() as session:
        member = None
        if member_query is not None:
            found = await members.resolve(session, member_query)
            if found.member is None:
                return ActionListing(which, today, candidates=list(found.candidates),
                                     unknown=not found.candidates)
            member, codes = found.member, (found.member.code,)
        elif mine:
            codes, person_id = viewer.member_codes, viewer.person_id
        where = dict(today=today, which=which, member_codes=codes, person_id=person_id)
        if page is None:
            rows = await actions.list_actions(session, **where)
            total = len(rows)
        else:
            # counting thousands of rows costs more than the page: kept until a commit
            total = await services.memo.get(
                ("actions", which, codes, person_id, today),
                lambda: actions.count_actions(session, **where))
            rows = await actions.list_actions(session, **where, offset=page * PAGE_SIZE,
                                              limit=PAGE_SIZE)
    return ActionListing(which, today, rows, member=member, mine=mine and member is None,
                         total=total, page=page or 0)


async def get_action(services: Services, action_id: int) -> ActionDetail:
    async with services.sessions() as session:
        detail = await actions.get_action(session, action_id)
    if detail is None:
        raise Rejected(_("There is no action item number {number}; see /actions.",
                         number=action_id))
    return detail


async def _owned(session: AsyncSession, viewer: Viewer, action_id: int) -> ActionDetail:
    """Only the owning member's contacts and administrators change an action item."""
    detail = await actions.get_action(session, action_id)
    if detail is None:
        raise Rejected(_("There is no action item number {number}; see /actions.",
                         number=action_id))
    if not viewer.is_admin and detail.row.member_code not in viewer.member_codes:
        raise Rejected(_("Only contacts of {member} and administrators may change this "
                         "action item.", member=detail.row.member_name))
    return detail


def _author(viewer: Viewer) -> str:
    return viewer.name or f"administrator {viewer.telegram_id}"


async def mark_done(services: Services, viewer: Viewer, action_id: int,
                    note: str | None) -> ActionItem:
    async with services.sessions.begin() as session:
        await _owned(session, viewer, action_id)
        return await actions.mark_done(session, action_id=action_id, note=note,
                                       author=_author(viewer), actor=viewer.actor,
                                       now=services.now())


async def add_note(services: Services, viewer: Viewer, action_id: int,
                   text: str) -> ActionItem:
    async with services.sessions.begin() as session:
        await _owned(session, viewer, action_id)
        return await actions.add_note(session, action_id=action_id, text=text,
                                      author=_author(viewer), actor=viewer.actor,
                                      now=services.now())


@dataclass(frozen=True)
class AddedAction:
    item: ActionItem
    overdue: bool  # the due date had already passed: minutes written up late


async def add_action(services: Services, viewer: Viewer, *, code: str, due_date: date,
                     title: str) -> AddedAction:
    """A new action item for a member; the due date is a day in the secretariat's zone. A past
    due date is accepted (minutes are often written up late): the item is overdue at once."""
    require_admin(viewer)
    async with services.sessions.begin() as session:
        code = (await members.find(session, code)).code  # a code or a loosely written name
        item = await actions.add_action(session, code=code, due_date=due_date, title=title,
                                        actor=viewer.actor, now=services.now())
    return AddedAction(item, overdue=due_date < services.today())
