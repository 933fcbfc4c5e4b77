"""One decorator for every command: who may use it, where, and what a wrong input gets.

A guarded handler receives the viewer as a third argument. `BadInput` becomes one sentence plus
the command's right form and an example; `Rejected` (the data does not allow the change) becomes
its sentence. Either way nothing was written: the handler's transaction never committed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import BotContext
from handlers.basic import ADMIN, LINKED, usage_of
from handlers.common import esc, is_private, reply, viewer_of
from handlers.parsing import BadInput
from storage import audit
from storage.errors import Rejected
from storage.people import Viewer

log = logging.getLogger(__name__)

Guarded = Callable[[Update, BotContext, Viewer], Awaitable[object]]

REFUSED = "Sorry, only administrators of the support structure may do this."
PRIVATE_ONLY = "Please ask me this in a private chat: in groups I answer public questions only."
LINK_FIRST = (
    "This is for focal points and steering-group members who linked their account: "
    "send /link followed by your email address."
)


def guard(command: str, role: str) -> Callable[[Guarded], Callable[..., Awaitable[object]]]:
    def decorate(handler: Guarded) -> Callable[..., Awaitable[object]]:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> object:
            viewer = await viewer_of(update, context)
            if role == ADMIN and not viewer.is_admin:
                await refuse(update, context, viewer, command)
                return None
            if role in (ADMIN, LINKED) and not is_private(update):
                await _say(update, PRIVATE_ONLY)
                return None
            if role == LINKED and not (viewer.is_linked or viewer.is_admin):
                await _say(update, LINK_FIRST)
                return None
            try:
                return await handler(update, context, viewer)
            except BadInput as problem:
                await _say(update, f"{esc(problem)}\n{usage_of(command, role)}")
            except Rejected as problem:
                await _say(update, f"{esc(problem)} Nothing was changed.")
            return None

        return wrapper

    return decorate


async def refuse(update: Update, context: BotContext, viewer: Viewer, command: str) -> None:
    """Refuse a non-administrator in one sentence and keep an audit entry of the attempt."""
    attempted = ""
    if update.callback_query is not None:
        attempted = update.callback_query.data or ""
    elif update.effective_message is not None:
        attempted = update.effective_message.text or update.effective_message.caption or ""
    log.warning("refused /%s to non-admin %s", command, viewer.telegram_id)
    async with context.services.sessions.begin() as session:
        await audit.record(session, at=context.services.clock.now(), actor=viewer.telegram_id,
                           action=audit.DENIED, subject=command,
                           after={"attempted": attempted[:200]})
    await _say(update, REFUSED)


async def _say(update: Update, text: str) -> None:
    if update.callback_query is not None:
        # An alert holds at most 200 characters of plain text.
        plain = text.split("\n", 1)[0].replace("&lt;", "<").replace("&gt;", ">")
        await update.callback_query.answer(plain.replace("&amp;", "&")[:200], show_alert=True)
    else:
        await reply(update, text)
