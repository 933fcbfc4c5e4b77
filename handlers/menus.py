"""The command menus (setMyCommands): one for everyone, a fuller one in each admin's chat, each
in English (Telegram's default, for every other language) and in French and Spanish (for
Telegram apps set to those languages)."""

from __future__ import annotations

import logging

from telegram import BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot import i18n
from bot.ops import admin as admin_ops
from handlers.commands import ADMIN, EVERYONE, LINKED, Command, menu

log = logging.getLogger(__name__)

# None: the default menu (English), for every language without a menu of its own.
MENU_LANGUAGES: tuple[str | None, ...] = (None, *(x for x in i18n.LANGUAGES if x != i18n.DEFAULT))


async def set_menus(application: Application, commands: tuple[Command, ...], roles: set[str],
                    scope: BotCommandScope) -> None:
    """One menu per language for a scope, its summaries translated."""
    for language in MENU_LANGUAGES:
        with i18n.using(language):
            entries = menu(commands, roles)
        await application.bot.set_my_commands(entries, scope=scope, language_code=language)


async def admin_menu(application: Application, telegram_id: int, *, is_admin: bool) -> None:
    """Give an administrator's private chat the full menu, or take it back."""
    scope = BotCommandScopeChat(chat_id=telegram_id)
    commands = application.bot_data["commands"]
    try:
        if is_admin:
            await set_menus(application, commands, {EVERYONE, LINKED, ADMIN}, scope)
        else:
            for language in MENU_LANGUAGES:
                await application.bot.delete_my_commands(scope=scope, language_code=language)
    except TelegramError:  # e.g. the new administrator never opened a chat with the bot
        log.warning("could not set the command menu for %s", telegram_id, exc_info=True)


async def set_bot_commands(application: Application) -> None:
    """Register the command menu per scope and language: everyone, and each administrator's
    chat."""
    commands = application.bot_data["commands"]
    await set_menus(application, commands, {EVERYONE, LINKED}, BotCommandScopeDefault())
    for telegram_id in await admin_ops.admin_ids(application.bot_data["services"]):
        await admin_menu(application, telegram_id, is_admin=True)
