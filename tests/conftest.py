"""Shared fixtures: a migrated database, a set clock, the real Application offline, and a real
SMTP server on 127.0.0.1.

The database is SQLite (a migrated file copied per test) unless FOF_TEST_PG_URL names a
PostgreSQL server (`postgresql://postgres@127.0.0.1:5432/postgres`): then every test gets a
database of its own there, created from a migrated template (`make test` runs both).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FixedClock
from bot.config import Settings, load_settings
from bot.mailsink import MailSink
from bot.offline import OfflineBot, OfflineRequest, user
from bot.services import Services, open_services
from tests.databases import BACKEND, PgDatabases, SqliteDatabases

# Monday 2 July 2007, 09:00 in Brussels: a week before the first Global Forum.
DEMO_NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)
ADMIN_ID = 900001
ADMIN = user(ADMIN_ID, "Support")
STRANGER = user(900999, "Stranger")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's FOF_ variables (FOF_TEST_ ones choose the database)."""
    import os

    for name in list(os.environ):
        if name.startswith("FOF_") and not name.startswith("FOF_TEST_"):
            monkeypatch.delenv(name)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {BACKEND}"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Makes test databases from one migrated template (migrating takes longer than copying)."""
    if BACKEND == "postgresql":
        made = PgDatabases()
        made.create_template()
        yield made
        made.drop_all()
    else:
        made = SqliteDatabases(tmp_path_factory.mktemp("template"))
        made.create_template()
        yield made


def _new_database(databases, tmp_path: Path, *, migrated: bool) -> str:
    if isinstance(databases, PgDatabases):
        return databases.create(migrated=migrated)
    return databases.create(tmp_path, migrated=migrated)


@pytest.fixture
def database_url(databases, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this test's own (a plain sqlite:/// or postgresql:// URL)."""
    url = _new_database(databases, tmp_path, migrated=True)
    yield url
    if isinstance(databases, PgDatabases):
        databases.drop(url)


@pytest.fixture
def empty_database_url(databases, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables yet) of this test's own."""
    url = _new_database(databases, tmp_path / "empty", migrated=False) \
        if BACKEND == "postgresql" else f"sqlite:///{tmp_path / 'empty.db'}"
    yield url
    if isinstance(databases, PgDatabases):
        databases.drop(url)


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail") as sink:
        yield sink


@pytest.fixture
def settings(database_url: str, mail_sink: MailSink) -> Settings:
    return load_settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=[ADMIN_ID],
        mail_from="secretariat@gfmd.example",
        smtp_host="127.0.0.1",
        smtp_port=mail_sink.port,
        smtp_tls="none",
        timezone="Europe/Brussels",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEMO_NOW)


@pytest.fixture
async def services(settings: Settings, clock: FixedClock) -> AsyncIterator[Services]:
    async with open_services(settings, clock, migrate=False) as opened:
        yield opened


@pytest.fixture
async def bot(services: Services) -> AsyncIterator[OfflineBot]:
    request = OfflineRequest()
    application = build_application(services, request=request, rate_limit=False)
    async with application:
        yield OfflineBot(application, request)
