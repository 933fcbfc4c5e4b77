"""Test databases: a migrated SQLite file copied per test, or (with FOF_TEST_PG_URL) one
PostgreSQL database per test created from a migrated template database."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from storage import db, runs

# The test databases stand for one that has been in use for a while: a digest missed while the
# bot was down is caught up (a brand-new database never catches up; tests make one to see that).
IN_USE_SINCE = datetime(2007, 1, 1, tzinfo=UTC)

# postgresql://user@host:port/postgres: a server where the tests may create databases.
PG_URL = os.environ.get("FOF_TEST_PG_URL", "").strip()
BACKEND = "postgresql" if PG_URL else "sqlite"

_numbers = itertools.count(1)


def _run(coroutine) -> object:
    """Run a coroutine to completion on a loop of its own (fixtures may be inside a loop)."""
    result: list[object] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # handed back to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0] if result else None


async def _admin(*statements: str) -> None:
    import asyncpg

    url = make_url(PG_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database or "postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def pg_url(database: str) -> str:
    """The plain (driverless) URL of `database` on the test server."""
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def migrate_template(async_url: str) -> None:
    db.upgrade_sync(async_url)

    async def mark() -> None:
        engine = db.create_engine(async_url)
        try:
            async with db.session_factory(engine).begin() as session:
                await runs.note_first_start(session, IN_USE_SINCE)
        finally:
            await engine.dispose()

    _run(mark())


class PgDatabases:
    """Databases named fof_<pid>_<n>, so two test runs on one server never meet."""

    def __init__(self) -> None:
        self.prefix = f"fof_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.made: list[str] = []

    def create_template(self) -> None:
        _run(_admin(f"DROP DATABASE IF EXISTS {self.template}",
                    f"CREATE DATABASE {self.template}"))
        migrate_template(make_url(pg_url(self.template)).set(
            drivername="postgresql+asyncpg").render_as_string(hide_password=False))

    def create(self, *, migrated: bool = True) -> str:
        """A new database (a copy of the migrated template, or empty); its plain URL."""
        name = f"{self.prefix}_{next(_numbers)}"
        source = self.template if migrated else "template0"
        try:  # FILE_COPY (PostgreSQL 15+) is the quicker copy of a small database
            _run(_admin(f"CREATE DATABASE {name} TEMPLATE {source} STRATEGY FILE_COPY"))
        except Exception as exc:
            if "strategy" not in str(exc).lower():
                raise
            _run(_admin(f"CREATE DATABASE {name} TEMPLATE {source}"))
        self.made.append(name)
        return pg_url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        _run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if name in self.made:
            self.made.remove(name)

    def drop_all(self) -> None:
        _run(_admin(*(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                      for name in [*self.made, self.template])))


class SqliteDatabases:
    def __init__(self, folder: Path) -> None:
        self.template = folder / "template.db"

    def create_template(self) -> None:
        migrate_template(f"sqlite+aiosqlite:///{self.template}")

    def create(self, folder: Path, *, migrated: bool = True) -> str:
        path = folder / "fof.db"
        if migrated:
            shutil.copy(self.template, path)
        return f"sqlite:///{path}"
