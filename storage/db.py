"""Async engine, session factory and migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(async_url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys on every connection."""
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


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(async_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", async_url.replace("%", "%%"))
    return config


def upgrade_sync(async_url: str) -> None:
    """Apply every migration (blocking; runs its own event loop inside Alembic's env)."""
    command.upgrade(alembic_config(async_url), "head")


async def upgrade(async_url: str) -> None:
    """Apply every migration from async code (Alembic's async env needs a loop of its own)."""
    await asyncio.to_thread(upgrade_sync, async_url)
