"""What every handler needs: who is asking, refusals, replies."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from html import escape

from telegram import Update
from telegram.constants import ParseMode

from bot.context import BotContext
from storage import audit
from storage.people import Viewer, get_viewer

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[object]]


async def viewer_of(update: Update, context: BotContext) -> Viewer:
    user = update.effective_user
    assert user is not None
    async with context.services.sessions() as session:
        return await get_viewer(session, user.id)


async def reply(update: Update, text: str, **kwargs) -> None:
    """Reply in HTML; callers escape what came from users (`esc`)."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, disable_web_page_preview=True, **kwargs)


def esc(value: object) -> str:
    return escape(str(value), quote=False)


def admin_only(handler: Handler) -> Handler:
    """Refuse non-administrators with one sentence, and audit the attempt."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> object:
        viewer = await viewer_of(update, context)
        if viewer.is_admin:
            return await handler(update, context)
        attempted = (update.effective_message.text or "") if update.effective_message else ""
        if update.callback_query is not None:
            attempted = update.callback_query.data or ""
        log.warning("refused %s to non-admin %s", handler.__name__, viewer.telegram_id)
        async with context.services.sessions.begin() as session:
            await audit.record(
                session,
                at=context.services.clock.now(),
                actor=viewer.telegram_id,
                action=audit.DENIED,
                subject=handler.__name__,
                after={"attempted": attempted[:200]},
            )
        if update.callback_query is not None:
            await update.callback_query.answer("Only administrators may do this.", show_alert=True)
        else:
            await reply(update, "Sorry, only administrators of the support structure may do this.")
        return None

    return wrapper


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure first, then tell the user something useful."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on our side and nothing was changed. "
                "Please try again in a moment; if it keeps failing, tell the support structure."
            )
        except Exception:  # the error may be that we cannot reach Telegram at all
            log.warning("could not tell the user about the error", exc_info=True)


__all__ = ["ParseMode", "admin_only", "esc", "on_error", "reply", "viewer_of"]
