"""Typed access to shared resources from handlers (python-telegram-bot's contexttypesbot)."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from handlers.commands import Command


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def commands(self) -> tuple[Command, ...]:
        """The command registry, as registered (handlers.registry.COMMANDS)."""
        return self.application.bot_data["commands"]

    @classmethod
    def from_application(cls, application: Application) -> BotContext:
        return cls(application=application)
