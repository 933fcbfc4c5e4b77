"""People, their roles, and who is asking (the viewer)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import and_, col, exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import _
from storage import audit
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.models import Admin, Member, Person, Role, TelegramName

OPERATOR_ID = 0  # no Telegram user has id 0


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
    telegram_name: str | None = None  # as remembered from their last message

    @property
    def is_linked(self) -> bool:
        return self.person_id is not None

    @property
    def actor(self) -> str | int:
        """Who the audit log names: the Telegram id, or `cli` for the operator."""
        return "cli" if self.telegram_id == OPERATOR_ID else self.telegram_id

    def named(self, telegram_name: str) -> Viewer:
        """The same viewer with the name Telegram now gives."""
        return replace(self, telegram_name=telegram_name)

    @classmethod
    def operator(cls, timezone: str = "UTC") -> Viewer:
        """The command line's operator: an administrator without a Telegram account."""
        return cls(telegram_id=OPERATOR_ID, is_admin=True, timezone=timezone)


async def is_admin(session: AsyncSession, telegram_id: int) -> bool:
    found = await session.exec(select(Admin.id).where(Admin.telegram_id == telegram_id))
    return found.first() is not None


# Built once (it runs for every update): only the bound Telegram id changes. One statement for
# everyone: a single-row start, so a Telegram user without a contact record still gets a row.
_ASKER = bindparam("telegram_id")
_ONE = select(literal(1).label("one")).subquery()
VIEWER = (
    select(
        exists().where(Admin.telegram_id == _ASKER),
        select(TelegramName.name).where(TelegramName.telegram_id == _ASKER).scalar_subquery(),
        Person.id, Person.name, Person.timezone, Person.language, Member.code,
    )
    .select_from(_ONE)
    .join(Person, and_(Person.telegram_id == _ASKER, Person.active == True),  # noqa: E712
          isouter=True)
    .join(Role, Role.person_id == Person.id, isouter=True)
    .join(Member, and_(Member.id == Role.member_id, Member.active == True),  # noqa: E712
          isouter=True)
)


async def get_viewer(session: AsyncSession, telegram_id: int) -> Viewer:
    """Who is asking, in one statement of plain columns (one row per member they represent)."""
    rows = (await session.exec(VIEWER, params={"telegram_id": telegram_id})).all()
    admin, telegram_name, person_id, name, timezone, language, _rest = rows[0]
    if person_id is None:
        return Viewer(telegram_id=telegram_id, is_admin=bool(admin), telegram_name=telegram_name)
    return Viewer(
        telegram_id=telegram_id,
        is_admin=bool(admin),
        person_id=person_id,
        name=name,
        timezone=timezone,
        language=language,
        member_codes=tuple(sorted({row[-1] for row in rows if row[-1] is not None})),
        telegram_name=telegram_name,
    )


async def remember_telegram_name(
    session: AsyncSession, telegram_id: int, name: str, *, at: datetime
) -> None:
    """Keep the name Telegram gave this user (the caller writes only when it changed).

    The first statement writes (no read first): on SQLite a transaction that read and then
    writes while another connection writes fails at once with "database is locked", whereas a
    first write waits its turn (busy_timeout)."""
    values = dict(name=name[:200], seen_at=at)
    changed = await session.exec(  # type: ignore[call-overload]
        update(TelegramName).where(col(TelegramName.telegram_id) == telegram_id).values(**values)
    )
    if changed.rowcount:
        return
    try:
        async with session.begin_nested():
            session.add(TelegramName(telegram_id=telegram_id, **values))
    except IntegrityError:
        pass  # another update from the same user wrote it at the same moment


@dataclass(frozen=True)
class KnownName:
    """A Telegram user's name: from their contact record, or as Telegram gave it (their own
    choice, so shown as such)."""

    name: str
    from_contact: bool


async def known_names(session: AsyncSession, telegram_ids: list[int]) -> dict[int, KnownName]:
    """Telegram id -> the name of the linked contact, else the name Telegram gave when they last
    wrote; ids with neither are left out (the caller shows the id)."""
    if not telegram_ids:
        return {}
    found = await session.exec(select(TelegramName.telegram_id, TelegramName.name).where(
        col(TelegramName.telegram_id).in_(telegram_ids)))
    names = {tid: KnownName(name, False) for tid, name in found.all()}
    contacts = await session.exec(select(Person.telegram_id, Person.name).where(
        col(Person.telegram_id).in_(telegram_ids)))
    names.update({tid: KnownName(name, True) for tid, name in contacts.all() if tid is not None})
    return names


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


async def list_admins(session: AsyncSession) -> list[tuple[Admin, str | None]]:
    """Administrators with the name of their linked contact, if any."""
    rows = await session.exec(
        select(Admin, Person.name)
        .join(Person, Person.telegram_id == Admin.telegram_id, isouter=True)
        .order_by(Admin.added_at, Admin.id)
    )
    return list(rows.all())


async def add_admin(
    session: AsyncSession, telegram_id: int, *, actor: str | int, at: datetime
) -> Admin:
    if await is_admin(session, telegram_id):
        raise Rejected(_("{telegram_id} is already an administrator.", telegram_id=telegram_id))
    admin = Admin(telegram_id=telegram_id, added_by=str(actor), added_at=at)
    session.add(admin)
    await session.flush()
    await audit.record(session, at=at, actor=actor, action=AuditAction.ADMIN_ADD,
                       subject=str(telegram_id), after={"telegram_id": telegram_id})
    return admin


async def remove_admin(
    session: AsyncSession, telegram_id: int, *, actor: str | int, at: datetime
) -> None:
    """Remove an administrator; never yourself and never the last one (nobody could fix it)."""
    admin = (await session.exec(select(Admin).where(Admin.telegram_id == telegram_id))).first()
    if admin is None:
        raise Rejected(_("{telegram_id} is not an administrator.", telegram_id=telegram_id))
    if str(telegram_id) == str(actor):
        raise Rejected(_("You cannot remove yourself; ask another administrator."))
    count = len((await session.exec(select(Admin.id))).all())
    if count <= 1:
        raise Rejected(_("This is the last administrator."))
    await session.delete(admin)
    await session.flush()
    await audit.record(session, at=at, actor=actor, action=AuditAction.ADMIN_REMOVE,
                       subject=str(telegram_id), before={"telegram_id": telegram_id})


@dataclass(frozen=True)
class Card:
    """A contact as /whoami shows it."""

    person: Person
    roles: list[tuple[str, str, str]]  # (member code, member name, role)


async def card(session: AsyncSession, person_id: int) -> Card | None:
    person = await session.get(Person, person_id)
    if person is None:
        return None
    rows = await session.exec(
        select(Member.code, Member.name, Role.role)
        .join(Role, Role.member_id == Member.id)
        .where(Role.person_id == person_id, Member.active == True)  # noqa: E712
        .order_by(Member.code, Role.role)
    )
    return Card(person, list(rows.all()))


# Languages replies and mail can be written in (dates use the language's conventions).
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
PREFERENCES = ("digest", "reminders", "timezone", "language")


async def set_preference(
    session: AsyncSession, person_id: int, name: str, value: object, *, at: datetime
) -> Person:
    """Change one delivery preference of a contact (checked by the caller)."""
    if name not in PREFERENCES:
        raise ValueError(f"unknown preference {name}")
    person = await session.get(Person, person_id)
    if person is None:
        raise Rejected(_("Your contact record no longer exists."))
    before = getattr(person, name)
    setattr(person, name, value)
    session.add(person)
    await session.flush()
    # who acted: their Telegram account, else the contact by number (an address can be longer
    # than the column; the subject keeps it)
    await audit.record(session, at=at, actor=person.telegram_id or f"person:{person.id}",
                       action=AuditAction.SETTINGS_CHANGE, subject=f"{person.email} {name}",
                       before={name: before}, after={name: value})
    return person
