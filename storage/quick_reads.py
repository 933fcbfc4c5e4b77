"""Reads on the event loop's own thread, for the commands delegates send most (SQLite files).

An async session on aiosqlite costs about a millisecond of CPU per statement before SQLite does
any work: the hop to aiosqlite's thread and back, and SQLAlchemy's greenlet bridge. That was
most of what `/next`, `/actions` and `/meetings` cost (profiled at UN scale). SQLite answers
those reads in a tenth of that, so here they run directly on a plain synchronous connection:

- one connection per process, used only from the loop's thread, `PRAGMA query_only` so that
  nothing can be written through it;
- the database is in WAL mode (`storage.db.create_engine`), where a reader never waits for a
  writer; `busy_timeout` bounds the rare wait (another process opening the file) to
  BUSY_MS, which is how long the loop could be held;
- each read sees the last committed state, as a new async session would.

The storage functions stay the same: `QuickSession` offers the `AsyncSession` methods they call
(`exec`, `execute`, `get`, `scalar`), each finishing without suspending; a statement of plain
columns skips the ORM Session too (a third of what a page read cost). PostgreSQL and
in-memory SQLite have no QuickReads; `bot.services.Services.reads` then opens a usual session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import FromClause
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

BUSY_MS = 250


class QuickSession:
    """A synchronous connection behind the awaitable methods storage's read functions use.

    A statement of plain columns runs on the connection itself; one that loads ORM objects
    (`select(Meeting)`, `get`) goes through a Session on the same connection, made when first
    needed. Results are shaped as sqlmodel's `exec` shapes them (one column: its values)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._orm: Session | None = None

    def _session(self) -> Session:
        if self._orm is None:
            self._orm = Session(bind=self._connection, expire_on_commit=False)
        return self._orm

    async def exec(self, statement, *, params: dict | None = None, **options) -> Any:
        if options or not _plain_columns(statement):
            return self._session().exec(statement, params=params, **options)
        result = self._connection.execute(statement, params or {})
        return result.scalars() if isinstance(statement, SelectOfScalar) else result

    async def execute(self, statement, *args, **options) -> Any:
        return self._session().execute(statement, *args, **options)

    async def get(self, entity, ident, **options) -> Any:
        return self._session().get(entity, ident, **options)

    async def scalar(self, statement, *args, **options) -> Any:
        return self._session().scalar(statement, *args, **options)

    def close(self) -> None:
        if self._orm is not None:
            self._orm.close()


def _plain_columns(statement) -> bool:
    """A SELECT of columns and expressions only: no mapped class among what it selects."""
    return isinstance(statement, Select) and not any(
        isinstance(selected, FromClause) for selected in statement._raw_columns)


class QuickReads:
    """The process's read-only connection to a SQLite file (opened at its first read)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._engine: Engine | None = None
        self._connection: Connection | None = None

    @property
    def engine(self) -> Engine:
        """The synchronous engine (created at the first read)."""
        if self._engine is None:
            engine = create_engine(URL.create("sqlite", database=self._path),
                                   poolclass=StaticPool)

            @event.listens_for(engine, "connect")
            def _read_only(dbapi_connection, _record) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
                cursor.execute("PRAGMA query_only=ON")
                cursor.close()

            self._engine = engine
        return self._engine

    @asynccontextmanager
    async def session(self) -> AsyncIterator[QuickSession]:
        # One Connection kept open (checking one out per read cost more than a page's SQL);
        # ending its read transaction after each use lets the next read see the newest commit.
        if self._connection is None:
            self._connection = self.engine.connect()
        quick = QuickSession(self._connection)
        try:
            yield quick
        finally:
            quick.close()
            self._connection.rollback()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def quick_reads(async_url: str) -> QuickReads | None:
    """QuickReads for a SQLite file; None for other databases and in-memory SQLite."""
    url = make_url(async_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.query.get("uri"):
        return None
    return QuickReads(str(Path(url.database).absolute()))
