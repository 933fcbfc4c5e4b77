"""The command menus (setMyCommands): one for everyone, in English (Telegram's default, for
every other language) and in French and Spanish (for Telegram apps set to those languages);
and one in the private chat of each administrator and of each linked person (set when they link,
change their language or their role): their role's commands in their /settings language (the
language their replies are in), or per app language for an administrator without a contact
record."""

from __future__ import annotations

import logging

from telegram import BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot import i18n
from bot.ops import admin as admin_ops
from bot.ops import people
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


async def chat_menu(application: Application, telegram_id: int) -> None:
    """The menu of one person's private chat, as they are now (after a change of role or of
    language, or once linked): with a contact record, their role's commands in their /settings
    language whatever their app's language; an administrator without one, per app language;
    anyone else, the menu for everyone (nothing of their own)."""
    viewer = await people.viewer(application.bot_data["services"], telegram_id)
    scope = BotCommandScopeChat(chat_id=telegram_id)
    commands = application.bot_data["commands"]
    roles = {EVERYONE, LINKED, ADMIN} if viewer.is_admin else {EVERYONE, LINKED}
    try:
        if viewer.is_linked:
            with i18n.using(viewer.language):
                entries = menu(commands, roles)
            for language in MENU_LANGUAGES:  # every app language gets the chosen one
                await application.bot.set_my_commands(entries, scope=scope,
                                                       language_code=language)
        elif viewer.is_admin:
            await set_menus(application, commands, roles, scope)
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
        await chat_menu(application, telegram_id)
