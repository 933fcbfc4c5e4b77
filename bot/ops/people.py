"""Who is asking, their contact card, and their preferences."""

from __future__ import annotations

from bot.services import Services
from storage import people
from storage.people import Viewer


async def viewer(services: Services, telegram_id: int) -> Viewer:
    """Who sent an update: loaded once per update by the guard."""
    async with services.sessions() as session:
        return await people.get_viewer(session, telegram_id)
