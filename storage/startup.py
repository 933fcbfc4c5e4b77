"""Start-up steps under one lock, so instances started together all come up.

Every start (`fof-bot run`, the CLI commands, `fof-bot db upgrade`) migrates the database,
bootstraps the administrators and notes the database's first start while holding the start-up
lock: on PostgreSQL a transaction-level advisory lock (released with its transaction, even when a
step fails), on SQLite an `fcntl.flock` on `<database file>.lock`. The second instance waits,
then finds the migrations applied and the administrators present.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db, runs
from storage.people import ensure_admins

log = logging.getLogger(__name__)

# pg_advisory_xact_lock takes a bigint; this one is "fof-bot start-up".
ADVISORY_KEY = 0x666F665F7374


def lock_path(async_url: str) -> Path | None:
    """`<database file>.lock` for a SQLite file; None for PostgreSQL or an in-memory database."""
    url = make_url(async_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}.lock")


@asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    try:
        handle = open(path, "a")  # noqa: SIM115 (held open for the lock's lifetime)
    except OSError:  # no folder or not writable: SQLite itself will say so, in its words
        yield
        return
    try:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


@asynccontextmanager
async def startup_lock(engine: AsyncEngine, async_url: str) -> AsyncIterator[None]:
    """Hold the start-up lock of this database (one holder at a time, across processes)."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": ADVISORY_KEY})
            yield
        return
    path = lock_path(async_url)
    if path is None:
        yield
        return
    async with _file_lock(path):
        yield


class NotMigrated(Exception):
    """`--no-migrate` on a database that is not at the newest migration."""


async def current_revisions(engine: AsyncEngine) -> set[str]:
    """The database's Alembic revisions, read with one query (none before the first migration)."""
    async with engine.connect() as connection:
        try:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no such table yet
            return set()
        return {row[0] for row in found}


def check_migrated(current: set[str]) -> None:
    """Raise NotMigrated unless the database's revisions are the newest migration."""
    if current != {db.SCHEMA_HEAD}:
        found = ", ".join(sorted(current)) or "none"
        raise NotMigrated(f"the database is not migrated (revision {found}, newest "
                          f"{db.SCHEMA_HEAD}): run `fof-bot db upgrade` first, or "
                          "start without --no-migrate")


async def prepare(engine: AsyncEngine, async_url: str, *, admin_ids: list[int], now: datetime,
                  migrate: bool = True) -> None:
    """Migrate (unless told not to), bootstrap administrators, note the first start: locked."""
    sessions = db.session_factory(engine)
    async with startup_lock(engine, async_url):
        current = await current_revisions(engine)
        if migrate and current != {db.SCHEMA_HEAD}:
            await db.upgrade(async_url)
        else:
            check_migrated(current)
        async with sessions.begin() as session:
            await ensure_admins(session, admin_ids, at=now)
            await runs.note_first_start(session, now)


async def migrate_locked(async_url: str) -> None:
    """`fof-bot db upgrade`: the migrations alone, under the same lock."""
    engine = db.create_engine(async_url)
    try:
        async with startup_lock(engine, async_url):
            await db.upgrade(async_url)
    finally:
        await engine.dispose()
