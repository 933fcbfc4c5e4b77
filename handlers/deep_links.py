"""Deep links into the bot: https://t.me/<bot>?start=action_4 (or meeting_7), as the mails
carry them, arrive as `/start action_4` and show what /action 4 (or /meeting 7) shows, to whom
may use that command. Anything else (an unknown payload, a number with nothing behind it, a
reader who may not use the command) gets the normal /start answer."""

from __future__ import annotations

import re

from telegram import Update

from bot.parsing import BadInput
from handlers.commands import Command, roles_of
from handlers.context import BotContext
from storage.errors import Rejected
from storage.people import Viewer

PAYLOAD = re.compile(r"(action|meeting)_(\d{1,9})")


def _command(commands: tuple[Command, ...], name: str) -> Command | None:
    rows = [c for c in commands if c.name == name and c.callback is not None]
    rows.sort(key=lambda c: not c.with_args)  # the row that takes the arguments first
    return rows[0] if rows else None


async def opened(update: Update, context: BotContext, viewer: Viewer) -> bool:
    """Show what the /start payload names; False when it names nothing this reader may see
    (the caller then greets as usual)."""
    found = PAYLOAD.fullmatch(context.args[0]) if len(context.args or []) == 1 else None
    command = _command(context.commands, found.group(1)) if found else None
    if command is None or command.role not in roles_of(viewer):
        return False
    context.args = [found.group(2)]
    try:
        await command.callback(update, context, viewer)
    except (BadInput, Rejected):  # e.g. no such action item: the normal greeting instead
        return False
    return True
