"""Operator commands for mail (filled in by the mail work)."""

from __future__ import annotations

from bot.config import Settings


async def digest_cli(settings: Settings, *, dry_run: bool, to: str | None) -> int:
    print("digest is not available yet")
    return 1


async def outbox_cli(settings: Settings) -> int:
    print("outbox is not available yet")
    return 1
