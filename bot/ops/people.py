"""Who is asking, their contact card, and their preferences."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.services import Services
from storage import people
from storage.errors import Rejected
from storage.models import Person
from storage.people import Viewer


async def viewer(services: Services, telegram_id: int,
                 telegram_name: str | None = None) -> Viewer:
    """Who sent an update: loaded once per update by the guard.

    The name Telegram gives (`telegram_name`) is remembered for lists such as /admins and
    /audit, written only when it changed since the user last wrote.
    """
    found = await _stored_viewer(services, telegram_id)
    name = " ".join((telegram_name or "").split())
    if name and name != found.telegram_name:
        async with services.sessions.begin() as session:
            await people.remember_telegram_name(session, telegram_id, name, at=services.now())
        found = found.named(name)
    return found


async def _stored_viewer(services: Services, telegram_id: int) -> Viewer:
    """The viewer as stored: kept until anyone commits (checked on every update, so a removed
    administrator is refused on the very next one), else read."""

    async def read() -> Viewer:
        async with services.reads() as session:
            return await people.get_viewer(session, telegram_id)

    return await services.memo.get(("viewer", telegram_id), read)


async def contact(services: Services, viewer: Viewer) -> people.Card:
    """The viewer's contact record and roles (/whoami, /settings)."""
    if viewer.person_id is None:
        raise Rejected(_("Settings belong to a contact record; link one with /link."))
    async with services.sessions() as session:
        found = await people.card(session, viewer.person_id)
    if found is None:
        raise Rejected(_("Your contact record no longer exists."))
    return found


@dataclass(frozen=True)
class PreferenceChange:
    """The contact after the change; `changed` is False when the value was already set (then
    nothing was written or audited)."""

    person: Person
    changed: bool


async def set_preference(services: Services, viewer: Viewer, name: str,
                         value: object) -> PreferenceChange:
    """Change one of the viewer's preferences (checked by the caller); audited."""
    if viewer.person_id is None:
        raise Rejected(_("Settings belong to a contact record; link one with /link."))
    async with services.sessions.begin() as session:
        found = await people.card(session, viewer.person_id)
        if found is None:
            raise Rejected(_("Your contact record no longer exists."))
        if getattr(found.person, name) == value:
            return PreferenceChange(found.person, False)
        person = await people.set_preference(session, viewer.person_id, name, value,
                                             at=services.now())
        return PreferenceChange(person, True)
