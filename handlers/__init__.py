"""Telegram handlers, one module per area; registered in one ordered block."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from handlers import (
    actions,
    admin,
    basic,
    calendar,
    forms,
    linking,
    mail_admin,
    membership,
    questions,
)
from handlers import settings as preferences
from handlers.basic import ADMIN, COMMANDS, EVERYONE, LINKED
from handlers.common import on_error, reply, turn_page
from storage.people import list_admins

log = logging.getLogger(__name__)

# Commands with a guided form: run directly with arguments, else the form asks.
FORM_COMMANDS = {
    "addmeeting": calendar.add_meeting,
    "addmember": membership.add_member,
    "setfocal": membership.set_focal,
    "addaction": actions.add_action,
}

COMMAND_HANDLERS = {
    "start": basic.start,
    "help": basic.help_command,
    "next": calendar.next_meeting,
    "meetings": calendar.list_meetings,
    "meeting": calendar.show_meeting,
    "members": membership.list_members,
    "steering": membership.steering,
    "troika": membership.troika,
    "link": linking.link,
    "verify": linking.verify,
    "whoami": membership.whoami,
    "focal": membership.focal,
    "actions": actions.list_actions,
    "action": actions.show_action,
    "done": actions.done,
    "note": actions.note,
    "settings": preferences.settings,
    **FORM_COMMANDS,
    "removemember": membership.remove_member,
    "movemeeting": calendar.move_meeting,
    "cancelmeeting": calendar.cancel_meeting,
    "admin": admin.admin,
    "admins": admin.admins,
    "attendance": calendar.attendance,
    "audit": admin.audit_log,
    # /digest and /outbox are registered by handlers.mail_admin.
}

CALLBACKS = {
    "pg": turn_page,
    "att": calendar.attend,
    "cxm": calendar.confirm_cancel,
    "rmm": membership.confirm_remove,
    "set": preferences.settings_button,
    "imp": admin.confirm_import,
}


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Answer /cancel outside a form."""
    await reply(update, "There is nothing to cancel.")


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer a command the bot does not know."""
    await reply(update, "I do not know that command. See /help for the ones you may use.")


def register_handlers(application: Application) -> None:
    # 1. Guided forms first: while a form is open, its answers must not reach other handlers.
    application.add_handler(forms.form_handler(FORM_COMMANDS))
    # 2. Commands (also in groups; each handler decides what groups may see).
    for command, callback in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(command, callback))
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    mail_admin.register(application)  # /digest, /outbox and its "retry failures" button
    # 3. Buttons, by callback-data prefix.
    for prefix, callback in CALLBACKS.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=f"^{prefix}:"))
    # 4. A CSV file sent in a private chat is an import (administrators only).
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.Document.FileExtension("csv"), admin.upload))
    # 5. Plain questions, in private chats only (groups get public commands only).
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, questions.question))
    # 6. Last: commands nobody handles (those listed in /help are left to their owners).
    known = {c.command for c in COMMANDS} | set(COMMAND_HANDLERS) | {"cancel"}
    # Private chats only: in groups, a command may be meant for another bot.
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.COMMAND
        & ~filters.Regex(rf"^/({'|'.join(sorted(known))})(@\w+)?(\s|$)"),
        unknown_command))
    application.add_error_handler(on_error)


def menu(roles: set[str]) -> list[BotCommand]:
    """The command menu for a set of roles, following COMMANDS (each command once)."""
    seen: dict[str, BotCommand] = {}
    for entry in COMMANDS:
        if entry.role in roles and entry.command not in seen:
            seen[entry.command] = BotCommand(entry.command, entry.summary[:256])
    return list(seen.values())


async def admin_menu(application: Application, telegram_id: int, *, is_admin: bool) -> None:
    """Give an administrator's private chat the full menu, or take it back."""
    scope = BotCommandScopeChat(chat_id=telegram_id)
    try:
        if is_admin:
            await application.bot.set_my_commands(menu({EVERYONE, LINKED, ADMIN}), scope=scope)
        else:
            await application.bot.delete_my_commands(scope=scope)
    except TelegramError:  # e.g. the new administrator never opened a chat with the bot
        log.warning("could not set the command menu for %s", telegram_id, exc_info=True)


async def set_bot_commands(application: Application) -> None:
    """Register the command menu (setMyCommands) per scope: everyone, and each admin's chat."""
    await application.bot.set_my_commands(menu({EVERYONE, LINKED}),
                                          scope=BotCommandScopeDefault())
    services = application.bot_data["services"]
    async with services.sessions() as session:
        admins = await list_admins(session)
    for entry, _name in admins:
        await admin_menu(application, entry.telegram_id, is_admin=True)
