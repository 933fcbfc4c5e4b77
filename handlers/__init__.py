"""Telegram handlers, one module per area; registered in one ordered block."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from handlers import basic, mail_admin
from handlers.common import on_error


def register_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("start", basic.start))
    application.add_handler(CommandHandler("help", basic.help_command))
    mail_admin.register(application)  # /digest, /outbox and its "retry failures" button
    application.add_error_handler(on_error)


async def set_bot_commands(application: Application) -> None:
    """Register the command menu (setMyCommands) per scope."""
    return None
