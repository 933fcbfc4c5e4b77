"""Unsubscribing from one kind of mail: by the one-click link (RFC 8058) or by a mail.

"digest" turns the person's digest off, "reminders" their reminder mails; each change is the
preference /settings changes, audited with how it came (`via`: "link", "mail", ...). The link
names a person and a kind (signed with FOF_SECRET_KEY, `bot.http.tokens`); reading it changes
nothing (link scanners only GET).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.http.tokens import read_unsubscribe_token
from bot.services import Services
from storage import audit, feeds, people
from storage.models import DigestFrequency, Person

KINDS = ("digest", "reminders")
_OFF: dict[str, tuple[str, object]] = {  # kind -> (the person's preference, its "off" value)
    "digest": ("digest", DigestFrequency.OFF.value),
    "reminders": ("reminders", False),
}


class LinkRefused(Exception):
    """A forged or altered unsubscribe link, or one for a contact no longer active."""


@dataclass(frozen=True)
class Subscription:
    """One person and one kind of mail, as the unsubscribe page shows it."""

    person_id: int
    name: str
    email: str
    language: str
    kind: str
    subscribed: bool  # whether they still receive it


def _subscribed(person: Person, kind: str) -> bool:
    name, off = _OFF[kind]
    return getattr(person, name) != off


async def unsubscribe(services: Services, person_id: int, kind: str, *, via: str) -> bool:
    """Turn `kind` of mail off for the person; True when something changed (False when it
    was off already or there is no such active contact). Audited with `via`."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of mail {kind!r}; one of {', '.join(KINDS)}")
    name, off = _OFF[kind]
    async with services.sessions.begin() as session:
        person = await feeds.active_person(session, person_id)
        if person is None or not _subscribed(person, kind):
            return False
        with audit.collecting(session) as entries:  # the /settings entry, with how it came
            await people.set_preference(session, person_id, name, off, at=services.now())
        for entry in entries:
            await audit.record(session, at=entry.at, actor=entry.actor,
                               action=audit.AuditAction(entry.action), subject=entry.subject,
                               before=entry.before, after={**(entry.after or {}), "via": via})
    return True


def _link(services: Services, token: str) -> tuple[int, str]:
    secret = services.settings.secret_key
    found = (read_unsubscribe_token(secret.get_secret_value(), token)
             if secret is not None else None)
    if found is None or found[1] not in KINDS:
        raise LinkRefused("not an unsubscribe link")
    return found


async def read_link(services: Services, token: str) -> Subscription:
    """Whose link and which mail, and whether they still receive it; changes nothing."""
    person_id, kind = _link(services, token)
    async with services.sessions() as session:
        person = await feeds.active_person(session, person_id)
    if person is None:
        raise LinkRefused("no such active contact")
    return Subscription(person_id, person.name, person.email, person.language, kind,
                        _subscribed(person, kind))


async def unsubscribe_by_link(services: Services, token: str) -> Subscription:
    """The one-click POST: that kind of mail off (idempotent), audited as via "link"."""
    read = await read_link(services, token)
    await unsubscribe(services, read.person_id, read.kind, via="link")
    return replace(read, subscribed=False)
