"""What an action-item import reads once for all its rows, and its bulk insert.

Members, contacts and meetings are read in a few queries for the whole file (none per row); the
rows go in with one multi-row INSERT per chunk, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ActionItem, ActionStatus, Meeting, Member, Person

CHUNK = 1_000  # rows per IN (...) list and per insert_items call


async def active_members(session: AsyncSession) -> list[Member]:
    """Every active member (to match the file's loosely written names against)."""
    return list((await session.exec(
        select(Member).where(Member.active == True))).all())  # noqa: E712


async def people_by_email(session: AsyncSession, emails: Iterable[str]) -> dict[str, int]:
    """Lower-cased email -> id of the active contact with that email."""
    wanted = sorted({e.lower() for e in emails})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await session.exec(select(func.lower(Person.email), Person.id).where(
            func.lower(Person.email).in_(wanted[start:start + CHUNK]),
            Person.active == True))  # noqa: E712
        found.update({email: person_id for email, person_id in rows.all()})
    return found


async def existing_meetings(session: AsyncSession, ids: Iterable[int]) -> set[int]:
    """The meeting numbers among `ids` that are recorded."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        rows = await session.exec(select(Meeting.id).where(
            col(Meeting.id).in_(wanted[start:start + CHUNK])))
        found.update(i for i in rows.all() if i is not None)
    return found


async def recorded_items(session: AsyncSession,
                         member_ids: Iterable[int]) -> set[tuple[int, str, date]]:
    """(member id, title, due date) of the items recorded for these members: a row already
    recorded is not added twice when a file is imported again."""
    wanted = sorted(set(member_ids))
    found: set[tuple[int, str, date]] = set()
    for start in range(0, len(wanted), CHUNK):
        rows = await session.exec(select(ActionItem.member_id, ActionItem.title,
                                         ActionItem.due_date).where(
            col(ActionItem.member_id).in_(wanted[start:start + CHUNK])))
        found.update((m, t, d) for m, t, d in rows.all())
    return found


def item_values(*, member_id: int, title: str, due_date: date, status: str,
                assignee_id: int | None, meeting_id: int | None,
                now: datetime) -> dict[str, Any]:
    """One row for `insert_items`, with the columns an item made by /addaction has."""
    return {"title": title, "member_id": member_id, "due_date": due_date, "status": status,
            "assignee_id": assignee_id, "meeting_id": meeting_id, "created_at": now,
            "updated_at": now, "done_at": now if status == ActionStatus.DONE else None}


async def insert_items(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert the rows as one executemany (SQLAlchemy batches it into multi-row INSERTs where
    the driver allows; the statement is compiled once); returns how many went in."""
    if rows:
        await session.exec(insert(ActionItem.__table__), params=rows)  # type: ignore
    return len(rows)
