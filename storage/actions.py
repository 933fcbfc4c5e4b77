"""Action items and their notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _
from storage import audit
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.models import ActionItem, ActionNote, ActionStatus, Member, Person

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionView(NamedTuple):
    """An action item as every reader sees it (chat, digest, reminders): the one read model.

    A named tuple, immutable like a frozen dataclass but made five times faster: lists and
    digests build thousands of them (a frozen dataclass sets each field through
    object.__setattr__)."""

    id: int
    title: str
    member_id: int
    member_code: str
    member_name: str
    due_date: date
    status: str
    assignee_id: int | None = None
    assignee: str | None = None  # the assignee's name

    def overdue(self, today: date) -> bool:
        """Still open and due before `today` (a day in the reader's or secretariat's zone)."""
        return self.status in OPEN_STATUSES and self.due_date < today


@dataclass(frozen=True)
class NoteRow:
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class ActionDetail:
    row: ActionView
    notes: list[NoteRow]
    meeting_id: int | None


def snapshot(item: ActionItem) -> dict[str, Any]:
    return {"title": item.title, "member_id": item.member_id,
            "due_date": item.due_date.isoformat(), "status": item.status}


def _rows_query():
    return (
        select(ActionItem, Member, Person.name)
        .join(Member, Member.id == ActionItem.member_id)
        .join(Person, Person.id == ActionItem.assignee_id, isouter=True)
    )


def view_of(item: ActionItem, member: Member, assignee: str | None = None) -> ActionView:
    assert item.id is not None and member.id is not None
    return ActionView(id=item.id, title=item.title, member_id=member.id, member_code=member.code,
                      member_name=member.name, due_date=item.due_date, status=item.status,
                      assignee_id=item.assignee_id, assignee=assignee)


def _filtered(query, which: str, by_member: bool, by_person: bool):
    """`which` is open, overdue or all; restricted to members (the bound `codes`) and/or an
    assignee (`person_id`); overdue means due before the bound `today`."""
    if which in ("open", "overdue"):  # two comparisons: an IN list is expanded per run
        query = query.where(or_(*(ActionItem.status == status for status in OPEN_STATUSES)))
    if which == "overdue":
        query = query.where(ActionItem.due_date < bindparam("today"))
    conditions = []
    if by_member:
        conditions.append(col(Member.code).in_(bindparam("codes", expanding=True)))
    if by_person:
        conditions.append(ActionItem.assignee_id == bindparam("person_id"))
    return query.where(or_(*conditions)) if conditions else query


# Plain columns, not ORM objects: a list reads thousands of rows and needs none of them tracked.
VIEW_COLUMNS = (ActionItem.id, ActionItem.title, Member.id, Member.code, Member.name,
                ActionItem.due_date, ActionItem.status, ActionItem.assignee_id, Person.name)


# /actions runs these for every page it shows: each shape is built once (building a statement
# cost more than SQLite's work for a page), then only the bound values change.
@cache
def _rows_statement(which: str, by_member: bool, by_person: bool, paged: bool):
    query = (
        select(*VIEW_COLUMNS)
        .join(Member, Member.id == ActionItem.member_id)
        .join(Person, Person.id == ActionItem.assignee_id, isouter=True)
        .order_by(col(ActionItem.due_date), col(ActionItem.id))
    )
    query = _filtered(query, which, by_member, by_person)
    return query.offset(bindparam("offset")).limit(bindparam("limit")) if paged else query


@cache
def _count_statement(which: str, by_member: bool, by_person: bool):
    query = select(func.count()).select_from(ActionItem)
    if by_member:
        query = query.join(Member, Member.id == ActionItem.member_id)
    return _filtered(query, which, by_member, by_person)


def _bound(today: date, member_codes: tuple[str, ...] | None, person_id: int | None) -> dict:
    return {"today": today, "codes": list(member_codes or ()), "person_id": person_id}


async def list_actions(
    session: AsyncSession, *, today: date, which: str = "open",
    member_codes: tuple[str, ...] | None = None, person_id: int | None = None,
    offset: int = 0, limit: int | None = None,
) -> list[ActionView]:
    """Action items (due first), or one page of them (`offset`, `limit`): see `_filtered`."""
    query = _rows_statement(which, member_codes is not None, person_id is not None,
                            limit is not None)
    params = {**_bound(today, member_codes, person_id), "offset": offset, "limit": limit}
    return [ActionView(*row) for row in (await session.exec(query, params=params)).all()]


async def count_actions(
    session: AsyncSession, *, today: date, which: str = "open",
    member_codes: tuple[str, ...] | None = None, person_id: int | None = None,
) -> int:
    """How many action items `list_actions` would return without a limit."""
    query = _count_statement(which, member_codes is not None, person_id is not None)
    return (await session.exec(query, params=_bound(today, member_codes, person_id))).one()


async def get_action(session: AsyncSession, action_id: int) -> ActionDetail | None:
    found = (await session.exec(_rows_query().where(ActionItem.id == action_id))).first()
    if found is None:
        return None
    notes = await session.exec(
        select(ActionNote).where(ActionNote.action_id == action_id)
        .order_by(col(ActionNote.created_at), col(ActionNote.id))
    )
    return ActionDetail(
        view_of(*found), [NoteRow(n.author, n.text, n.created_at) for n in notes.all()],
        found[0].meeting_id,
    )


async def _item(session: AsyncSession, action_id: int) -> ActionItem:
    item = await session.get(ActionItem, action_id)
    if item is None:
        raise Rejected(_("There is no action item number {number}.", number=action_id))
    return item


async def add_action(
    session: AsyncSession, *, code: str, due_date: date, title: str, actor: str | int,
    now: datetime, meeting_id: int | None = None,
) -> ActionItem:
    member = (await session.exec(select(Member).where(
        Member.code == code.upper(), Member.active == True))).first()  # noqa: E712
    if member is None:
        raise Rejected(_("There is no member with the code {code}.", code=code.upper()[:12]))
    item = ActionItem(title=title, member_id=member.id, due_date=due_date,
                      meeting_id=meeting_id, created_at=now, updated_at=now)
    session.add(item)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.ACTION_ADD,
                       subject=f"{item.id} {member.code}", after=snapshot(item))
    return item


async def add_note(
    session: AsyncSession, *, action_id: int, author: str, text: str, actor: str | int,
    now: datetime,
) -> ActionItem:
    item = await _item(session, action_id)
    session.add(ActionNote(action_id=action_id, author=author, text=text, created_at=now))
    before = snapshot(item)
    if item.status == ActionStatus.OPEN:
        item.status = ActionStatus.IN_PROGRESS
    item.updated_at = now
    session.add(item)
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.ACTION_NOTE,
                       subject=str(action_id), before=before,
                       after={**snapshot(item), "note": text[:500]})
    return item


async def mark_done(
    session: AsyncSession, *, action_id: int, author: str, note: str | None, actor: str | int,
    now: datetime,
) -> ActionItem:
    item = await _item(session, action_id)
    if item.status == ActionStatus.DONE:
        raise Rejected(_("Action item {number} is already done.", number=action_id))
    if item.status == ActionStatus.CANCELLED:
        raise Rejected(_("Action item {number} was cancelled.", number=action_id))
    before = snapshot(item)
    item.status, item.done_at, item.updated_at = ActionStatus.DONE, now, now
    session.add(item)
    if note:
        session.add(ActionNote(action_id=action_id, author=author, text=note, created_at=now))
    await session.flush()
    await audit.record(session, at=now, actor=actor, action=AuditAction.ACTION_DONE,
                       subject=str(action_id), before=before,
                       after={**snapshot(item), "note": (note or "")[:500]})
    return item
