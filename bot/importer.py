"""Bulk import of members and contacts from CSV (filled in by the bot-commands work)."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings


async def import_cli(settings: Settings, path: Path, *, dry_run: bool, assume_yes: bool) -> int:
    print("import is not available yet")
    return 1
