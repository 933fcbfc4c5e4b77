"""The command menus (setMyCommands): one for everyone, a fuller one in each admin's chat."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.ops import admin as admin_ops
from handlers.commands import ADMIN, EVERYONE, LINKED, menu

log = logging.getLogger(__name__)


async def admin_menu(application: Application, telegram_id: int, *, is_admin: bool) -> None:
    """Give an administrator's private chat the full menu, or take it back."""
    scope = BotCommandScopeChat(chat_id=telegram_id)
    commands = application.bot_data["commands"]
    try:
        if is_admin:
            await application.bot.set_my_commands(menu(commands, {EVERYONE, LINKED, ADMIN}),
                                                  scope=scope)
        else:
            await application.bot.delete_my_commands(scope=scope)
    except TelegramError:  # e.g. the new administrator never opened a chat with the bot
        log.warning("could not set the command menu for %s", telegram_id, exc_info=True)


async def set_bot_commands(application: Application) -> None:
    """Register the command menu per scope: everyone, and each administrator's chat."""
    commands = application.bot_data["commands"]
    await application.bot.set_my_commands(menu(commands, {EVERYONE, LINKED}),
                                          scope=BotCommandScopeDefault())
    for telegram_id in await admin_ops.admin_ids(application.bot_data["services"]):
        await admin_menu(application, telegram_id, is_admin=True)
