"""“Did you mean Luxembourg (LU)?”: a member name that is not certain gets one button per
candidate; pressing one runs the same command again with that member's code.

What the command was asked (its checked fields) waits in the presser's `user_data` under a
token; the button's data is `pick_<command>:<token>:<code>`, parsed strictly, and registered in
`handlers/registry.BUTTONS` with the command's own access, so an administrator's change made
through a button goes through the same guard, operation, role check and audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import N_, _
from bot.parsing import either
from handlers.common import edit, esc, reply
from handlers.context import BotContext
from storage.members import Unclear
from storage.people import Viewer

PICKS = "picks"
KEPT = 20
EXPIRED = N_("This choice has expired; please send the command again.")

# Runs a command with its checked fields ("code" is the member's code or name).
Run = Callable[[Update, BotContext, Viewer, dict[str, Any]], Awaitable[None]]


def prefix(command: str) -> str:
    return f"pick_{command}"


def pattern(command: str) -> str:
    """The whole callback data of a candidate: `pick_<command>:<token>:<code>`."""
    return rf"{re.escape(prefix(command))}:([1-9][0-9]{{0,8}}):([A-Z][A-Z0-9]{{1,11}})"


async def offer(update: Update, context: BotContext, command: str, fields: dict[str, Any],
                unclear: Unclear) -> None:
    """Ask which member was meant, one button per candidate."""
    kept: dict[str, dict[str, Any]] = context.user_data.setdefault(PICKS, {})
    token = str(context.user_data.get("picks_next", 1))
    context.user_data["picks_next"] = int(token) + 1
    codes = [m.code for m in unclear.candidates]
    kept[token] = {"command": command, "fields": dict(fields), "codes": codes}
    for old in list(kept)[:-KEPT]:
        del kept[old]
    buttons = [[InlineKeyboardButton(f"{m.name} ({m.code})"[:60],
                                     callback_data=f"{prefix(command)}:{token}:{m.code}")]
               for m in unclear.candidates]
    question = _("Did you mean {candidates}?", candidates=either(
        tuple(f"{m.name} ({m.code})" for m in unclear.candidates), most=len(buttons)))
    await reply(update, esc(question), reply_markup=InlineKeyboardMarkup(buttons))


async def offering(update: Update, context: BotContext, viewer: Viewer, command: str,
                   fields: dict[str, Any], run: Run) -> None:
    """Run the command; when its member is unclear, offer the candidates instead."""
    try:
        await run(update, context, viewer, fields)
    except Unclear as unclear:
        await offer(update, context, command, fields, unclear)


def chooser(command: str, run: Run) -> Callable[[Update, BotContext, Viewer],
                                                 Awaitable[None]]:
    """The button callback of a command's candidates (guarded by the registry as the command)."""
    shape = re.compile(rf"^{pattern(command)}$")

    async def choose(update: Update, context: BotContext, viewer: Viewer) -> None:
        query = update.callback_query
        parsed = shape.match(query.data or "")
        kept = context.user_data.get(PICKS, {})
        pending = kept.get(parsed.group(1)) if parsed else None
        if pending is None or pending["command"] != command \
                or parsed.group(2) not in pending["codes"]:
            await query.answer(_(EXPIRED), show_alert=True)
            return
        del kept[parsed.group(1)]  # one press: pressing again does not repeat the change
        await edit(query, None, None)  # the question's buttons go
        await run(update, context, viewer, {**pending["fields"], "code": parsed.group(2)})
        await query.answer()

    choose.__name__ = choose.__qualname__ = f"choose_{command}"
    return choose
