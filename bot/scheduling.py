"""Scheduler and delivery worker that run beside the bot (filled in by the mail work)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application

from bot.services import Services


@dataclass
class Background:
    async def stop(self) -> None:
        return None


async def start_background(services: Services, application: Application) -> Background:
    return Background()
