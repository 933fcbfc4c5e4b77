"""The administrators' daily note of addresses that bounce, in Telegram through the outbox.

Queued by the inbox worker at its first poll of the day from NOTE_HOUR (FOF_TIMEZONE) on, under
the key `bounces:<local date>:<administrator>`, so it goes once a day whatever the number of
polls or instances; nothing when no contact's address bounces.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot import dates
from bot.i18n import N_, _, using
from bot.ops.admin import admin_ids
from bot.services import Services
from storage import bounces, mailing, outbox
from storage.bounces import BouncingContact
from storage.models import Channel

NOTE_HOUR = 8  # local time: the note waits for the working day
KIND = "bounces"
ROLE_LINES = {
    "focal_point": N_("focal point for {member}: address bounces since {day}"),
    "steering_rep": N_("steering-group representative for {member}: address bounces since "
                       "{day}"),
    "delegate": N_("delegate for {member}: address bounces since {day}"),
}


def contact_lines(contact: BouncingContact, language: str, zone: str = "UTC") -> list[str]:
    """'focal point for Senegal: address bounces since 3 March 2007 (Awa Diop, a@b.sn)'."""
    day = dates.full_day(contact.since.astimezone(ZoneInfo(zone)).date(), language)
    who = f"({contact.name}, {contact.address})"
    lines = [f"{_(ROLE_LINES[role], member=member, day=day)} {who}"
             for role, member in contact.roles if role in ROLE_LINES]
    return lines or [_("{name}: address bounces since {day}", name=contact.name, day=day)
                     + f" ({contact.address})"]


def note_text(contacts: list[BouncingContact], language: str, zone: str) -> str:
    """The note as Telegram HTML (names and addresses escaped)."""
    heading = _("These addresses bounce; no email goes to them until the contact's address "
                "is changed (/setfocal, or the contact updates it), or until you write /outbox "
                "clear and the address once the mailbox works again:")
    lines = [f"• {escape(line)}" for contact in contacts
             for line in contact_lines(contact, language, zone)]
    return "\n".join([escape(heading), *lines])


async def queue_daily_note(services: Services, now: datetime) -> int:
    """Queue today's note for each administrator (once a day); how many were queued."""
    local = now.astimezone(services.settings.tz)
    if local.hour < NOTE_HOUR:
        return 0
    ids = await admin_ids(services)
    async with services.sessions.begin() as session:
        contacts = await bounces.bouncing_contacts(session)
        if not contacts or not ids:
            return 0
        queued = 0
        for admin in ids:
            reader = await mailing.person_by_telegram(session, admin)
            language = reader.language if reader is not None else "en"
            with using(language):
                text = note_text(contacts, language, services.settings.timezone)
            queued += await outbox.enqueue(
                session, key=f"{KIND}:{local.date().isoformat()}:{admin}", recipient=str(admin),
                kind=KIND, body=text, now=now, subject=KIND, channel=Channel.TELEGRAM)
    return queued
