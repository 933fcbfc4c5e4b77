"""Long-lived resources, created once and passed in (never global)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from storage import db
from storage.people import ensure_admins


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: db.SessionFactory

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the secretariat's time zone: due dates are days there."""
        return self.clock.now().astimezone(self.settings.tz).date()


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Clock, *, migrate: bool = True
) -> AsyncIterator[Services]:
    """Migrate the database, bootstrap administrators, and close everything afterwards.

    A database that cannot be opened or written raises `storage.db.DatabaseUnusable` (one
    line) before anything else happens.
    """
    if migrate:
        await db.upgrade(settings.async_database_url)
    engine = db.create_engine(settings.async_database_url)
    services = Services(settings, clock, engine, db.session_factory(engine))
    try:
        with db.first_contact():
            async with services.sessions.begin() as session:
                await ensure_admins(session, settings.admin_ids, at=clock.now())
        yield services
    finally:
        await engine.dispose()
