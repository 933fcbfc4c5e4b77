"""Long-lived resources, created once and passed in (never global)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from bot.instance import instance_id
from bot.memo import UntilCommit
from storage import db, startup
from storage.quick_reads import QuickReads, quick_reads


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: db.SessionFactory
    # who this process is, in claims and leases shared with other instances
    instance: str = field(default_factory=instance_id)
    # changes whenever anyone commits (SQLite only, else None): keeps `memo` exact
    changes: db.ChangeCounter | None = None
    # reads kept until anyone commits (the viewer, list counts); see bot.memo
    memo: UntilCommit = field(default_factory=lambda: UntilCommit(None))
    # the hot reads on the loop's own thread (SQLite files only, else None); see `reads`
    quick: QuickReads | None = None

    def reads(self):  # -> an async context manager giving a session to read with
        """A session for reads only: on a SQLite file it runs on this thread without a hop
        to aiosqlite's (storage.quick_reads); elsewhere a usual session."""
        return self.quick.session() if self.quick is not None else self.sessions()

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the secretariat's time zone: due dates are days there."""
        return self.clock.now().astimezone(self.settings.tz).date()


@asynccontextmanager
async def open_services(
    settings: Settings, clock: Clock, *, migrate: bool = True
) -> AsyncIterator[Services]:
    """Migrate the database, bootstrap administrators (both under the start-up lock: several
    instances may start together), and close everything afterwards.

    A database that cannot be opened or written raises `storage.db.DatabaseUnusable` (one
    line) before anything else happens.
    """
    engine = db.create_engine(settings.async_database_url)
    changes = db.change_counter(settings.async_database_url)
    services = Services(settings, clock, engine, db.session_factory(engine), changes=changes,
                        memo=UntilCommit(changes), quick=quick_reads(settings.async_database_url))
    try:
        with db.first_contact():
            await startup.prepare(engine, settings.async_database_url,
                                  admin_ids=settings.admin_ids, now=clock.now(), migrate=migrate)
        yield services
    finally:
        if changes is not None:
            changes.close()
        if services.quick is not None:
            services.quick.close()
        await engine.dispose()
