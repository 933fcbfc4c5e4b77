"""Shared fixtures: a migrated SQLite database, a set clock, the real Application offline,
and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
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
from storage import db

# Monday 2 July 2007, 09:00 in Brussels: a week before the first Global Forum.
DEMO_NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)
ADMIN_ID = 900001
ADMIN = user(ADMIN_ID, "Support")
STRANGER = user(900999, "Stranger")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's FOF_ variables."""
    import os

    for name in list(os.environ):
        if name.startswith("FOF_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file, copied for each test (migrating takes longer than copying)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail") as sink:
        yield sink


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path, mail_sink: MailSink) -> Settings:
    database = tmp_path / "fof.db"
    shutil.copy(migrated_template, database)
    return load_settings(
        _env_file=None,
        database_url=f"sqlite:///{database}",
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
