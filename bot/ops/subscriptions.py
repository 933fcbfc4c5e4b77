"""Turning one kind of mail off for a person (the unsubscribe link, a mailed "unsubscribe").

A minimal version kept in the `inbound` branch until the module of the unsubscribe-link work
lands on main with this same signature; the integrator keeps that one.
"""

from __future__ import annotations

from bot.services import Services
from storage import people
from storage.models import DigestFrequency

OFF = {"digest": ("digest", DigestFrequency.OFF), "reminders": ("reminders", False)}


async def unsubscribe(services: Services, person_id: int, kind: str, *, via: str) -> bool:
    """Turn `kind` ("digest" or "reminders") off for the person, audited; False when it was
    off already. `via` says how they asked ("mail", "link"); this minimal version audits the
    change as a settings change (`storage.people.set_preference`)."""
    name, value = OFF[kind]
    async with services.sessions.begin() as session:
        card = await people.card(session, person_id)
        if card is None or getattr(card.person, name) == value:
            return False
        await people.set_preference(session, person_id, name, value, at=services.now())
    return True
