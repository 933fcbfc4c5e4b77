"""Async engine, session factory and migrations."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InternalError,
    NotSupportedError,
    ProgrammingError,
)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]
# Errors that mean a migration or query is wrong, not that the database cannot be used.
MIGRATION_BUGS = (DataError, IntegrityError, InternalError, NotSupportedError, ProgrammingError)


class DatabaseUnusable(Exception):
    """The database cannot be opened or written; the message says why, in one line, and
    never holds the password."""


def check_url(async_url: str) -> None:
    """Fail early, in one line, when the driver is missing or a SQLite file cannot be written."""
    url = make_url(async_url)
    try:
        url.get_dialect().import_dbapi()
    except ImportError as exc:
        package = exc.name or "its driver"
        raise DatabaseUnusable(
            f"{url.get_backend_name()} needs the Python package {package}, which is not "
            f"installed (pip install {package})"
        ) from None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.query.get("uri"):
        _check_sqlite_file(Path(url.database).absolute())


def _check_sqlite_file(path: Path) -> None:
    if path.exists():
        if path.is_dir():
            raise DatabaseUnusable(f"the SQLite file {path} is a folder")
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseUnusable(f"the SQLite file {path} cannot be written (permissions)")
        return
    folder = path.parent
    if not folder.exists():
        raise DatabaseUnusable(f"the folder {folder} of the SQLite file does not exist")
    if not folder.is_dir():
        raise DatabaseUnusable(f"{folder}, the folder of the SQLite file, is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnusable(f"the folder {folder} cannot be written (permissions), so the "
                               "SQLite file cannot be created there")


@contextmanager
def first_contact() -> Iterator[None]:
    """Turn a failure to open or write the database into DatabaseUnusable (one line).

    Only around the first use at start (migrations, the first session): later failures are
    the running program's business.
    """
    try:
        yield
    except DBAPIError as exc:
        # not writable, locked, login refused, no such database, "file is not a database";
        # a migration's own error (integrity, programming) is a bug and keeps its traceback
        if isinstance(exc, MIGRATION_BUGS):
            raise
        reason = " ".join(str(exc.orig or exc).split())
        raise DatabaseUnusable(f"cannot use the database: {reason}") from None
    except OSError as exc:  # refused, unknown host, ... before any SQL
        raise DatabaseUnusable(
            f"cannot reach the database: {' '.join(str(exc).split())}"
        ) from None


def masked(url: str) -> str:
    """The URL as it may be shown: password hidden, a SQLite path made absolute."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database \
            and parsed.database != ":memory:" and not parsed.query.get("uri"):
        parsed = parsed.set(database=str(Path(parsed.database).absolute()))
    return parsed.render_as_string(hide_password=True)


def create_engine(async_url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys on every connection."""
    check_url(async_url)
    engine = create_async_engine(async_url, echo=echo)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            # WAL: readers never block the writer, and a commit costs no full fsync of the file
            # (synchronous=NORMAL stays durable across application crashes).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


class ChangeCounter:
    """A number that changes whenever any connection, of this process or another, commits to
    the SQLite file: `PRAGMA data_version` on a connection of its own that never writes. It
    costs a few microseconds and no thread hop, so per-update caches (the viewer) can check
    they are still exact without a query through the pool. None when it cannot tell (locked,
    unreadable): the caller then reads from the database."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def __call__(self) -> int | None:
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self._path, check_same_thread=False,
                                                   isolation_level=None)
            return self._connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            self.close()
            return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def change_counter(async_url: str) -> ChangeCounter | None:
    """A ChangeCounter for a SQLite file; None for other databases (and in-memory SQLite),
    where every read goes to the database."""
    url = make_url(async_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.query.get("uri"):
        return None
    return ChangeCounter(str(Path(url.database).absolute()))


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# The newest migration. Start-up compares the database's revision with it in one query and
# loads Alembic (a fifth of a second) only when there is something to migrate;
# tests/test_migrations.py checks it against the migration scripts.
SCHEMA_HEAD = "0008"


def alembic_config(async_url: str):  # -> alembic.config.Config, imported only when needed
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", async_url.replace("%", "%%"))
    return config


def upgrade_sync(async_url: str) -> None:
    """Apply every migration (blocking; runs its own event loop inside Alembic's env).

    DatabaseUnusable when the database cannot be opened or written.
    """
    from alembic import command

    check_url(async_url)
    with first_contact():
        command.upgrade(alembic_config(async_url), "head")


async def upgrade(async_url: str) -> None:
    """Apply every migration from async code (Alembic's async env needs a loop of its own)."""
    await asyncio.to_thread(upgrade_sync, async_url)


def dialect_insert(session):  # -> the dialect's insert() (ON CONFLICT support)
    """PostgreSQL's or SQLite's `insert` for the session's database; the PostgreSQL dialect is
    imported only when it is the one in use (a twentieth of a second at start otherwise)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
