"""Bounces and undeliverable addresses (what the secretariat's inbox taught us).

The rules (GNU Mailman's and CiviCRM's): a permanent failure (5.x.x) makes an address
undeliverable at once; temporary ones (4.x.x) after THRESHOLD within WINDOW days, at most one
counted per address and day (the `Bounce` table's unique key). An address is kept lower-cased;
a contact whose email changes is mailed again at once (the new address has no record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import (
    Bounce,
    BounceSeverity,
    Channel,
    Member,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    UndeliverableAddress,
)

THRESHOLD = 3  # temporary bounces on different days ...
WINDOW = timedelta(days=7)  # ... within this many days make an address undeliverable
BOUNCED = "bounced"  # an outbox row whose DSN came back (status is a plain string column)
HELD = "held"  # a pending email row to an undeliverable address: kept, never sent


@dataclass(frozen=True)
class SentRow:
    """The outbox row a VERP token names, as the bounce reader needs it."""

    id: int
    recipient: str
    body: str
    person_id: int | None
    kind: str


async def sent_row(session: AsyncSession, row_id: int) -> SentRow | None:
    row = await session.get(OutboxMessage, row_id)
    if row is None or row.channel != Channel.EMAIL or row.id is None:
        return None
    return SentRow(row.id, row.recipient, row.body, row.person_id, row.kind)


async def mark_row_bounced(session: AsyncSession, row_id: int, *, reason: str) -> None:
    await session.exec(update(OutboxMessage)  # type: ignore[call-overload]
                       .where(col(OutboxMessage.id) == row_id)
                       .values(status=BOUNCED, last_error=reason[:1000]))


async def count(session: AsyncSession, *, address: str, severity: str, day: date,
                now: datetime, status: str, diagnostic: str, outbox_id: int | None) -> bool:
    """Count one bounce unless this address has one of this severity today; True if counted."""
    insert = dialect_insert(session)
    statement = insert(Bounce).values(
        address=address.lower(), day=day, severity=severity, status=status[:16],
        diagnostic=diagnostic[:300], outbox_id=outbox_id, at=now,
    ).on_conflict_do_nothing(index_elements=["address", "day", "severity"])
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def temporary_days(session: AsyncSession, address: str, today: date) -> int:
    """Days with a temporary bounce for this address within the window ending today."""
    result = await session.exec(
        select(func.count()).select_from(Bounce)
        .where(Bounce.address == address.lower(),
               Bounce.severity == BounceSeverity.TEMPORARY,
               col(Bounce.day) > today - WINDOW))
    return int(result.one())


async def undeliverable_since(session: AsyncSession, address: str) -> datetime | None:
    result = await session.exec(select(UndeliverableAddress.since)
                                .where(UndeliverableAddress.address == address.lower()))
    return result.first()


async def mark_undeliverable(session: AsyncSession, address: str, *, now: datetime,
                             reason: str) -> bool:
    """Record the address as undeliverable; False when it already was."""
    if await undeliverable_since(session, address) is not None:
        return False
    session.add(UndeliverableAddress(address=address.lower(), since=now, reason=reason[:300]))
    await session.flush()
    return True


async def clear(session: AsyncSession, address: str) -> datetime | None:
    """Mail the address again: forget that it bounces and the bounces counted against it (the
    audit keeps them); since when it was undeliverable, None when it was not. Messages held
    meanwhile stay held: by now they are out of date."""
    address = address.lower()
    since = await undeliverable_since(session, address)
    if since is None:
        return None
    await session.exec(delete(UndeliverableAddress)  # type: ignore[call-overload]
                       .where(col(UndeliverableAddress.address) == address))
    await session.exec(delete(Bounce).where(col(Bounce.address) == address))  # type: ignore
    return since


@cache
def _hold_statement():
    messages = OutboxMessage.__table__  # type: ignore[attr-defined]
    addresses = select(UndeliverableAddress.__table__.c.address)  # type: ignore[attr-defined]
    return (update(messages)
            .where(messages.c.status == OutboxStatus.PENDING,
                   messages.c.channel == Channel.EMAIL,
                   func.lower(messages.c.recipient).in_(addresses.scalar_subquery()))
            .values(status=HELD, last_error="not sent: this address bounces",
                    claimed_until=None))


async def hold_undeliverable(session: AsyncSession) -> int:
    """Park pending email rows addressed to an undeliverable address (status `held`). Run
    before every delivery, so its statement is built once (as in `outbox_sql`)."""
    result = await (await session.connection()).execute(_hold_statement())
    return int(result.rowcount)


@dataclass(frozen=True)
class BouncingContact:
    """A contact whose current address bounces, and what they are for whom."""

    person_id: int
    name: str
    address: str
    since: datetime
    reason: str
    roles: tuple[tuple[str, str], ...]  # (role, member name)


async def bouncing_contacts(session: AsyncSession,
                            person_ids: list[int] | None = None) -> list[BouncingContact]:
    """Active contacts whose current email is undeliverable (optionally only these)."""
    statement = (
        select(Person.id, Person.name, Person.email, UndeliverableAddress.since,
               UndeliverableAddress.reason)
        .join(UndeliverableAddress,
              func.lower(Person.email) == UndeliverableAddress.address)
        .where(col(Person.active).is_(True))
        .order_by(col(UndeliverableAddress.since), col(Person.name))
    )
    if person_ids is not None:
        statement = statement.where(col(Person.id).in_(person_ids))
    found = list((await session.exec(statement)).all())
    roles = await _roles(session, [row[0] for row in found])
    return [BouncingContact(pid, name, email, since, reason, tuple(roles.get(pid, ())))
            for pid, name, email, since, reason in found]


async def _roles(session: AsyncSession, person_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    if not person_ids:
        return {}
    result = await session.exec(
        select(Role.person_id, Role.role, Member.name)
        .join(Member, col(Member.id) == Role.member_id)
        .where(col(Role.person_id).in_(person_ids), col(Member.active).is_(True))
        .order_by(col(Member.name)))
    roles: dict[int, list[tuple[str, str]]] = {}
    for person_id, role, member in result.all():
        roles.setdefault(person_id, []).append((role, member))
    return roles


async def person_by_email(session: AsyncSession, address: str) -> tuple[int, str] | None:
    """(id, name) of the active contact with this email (any case), if any."""
    result = await session.exec(
        select(Person.id, Person.name)
        .where(func.lower(Person.email) == address.lower(), col(Person.active).is_(True)))
    found = result.first()
    return (found[0], found[1]) if found is not None else None

