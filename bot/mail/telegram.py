"""Reminders in Telegram for linked contacts, sent through the Application's bot.

The delivery worker takes a slot of the bulk budget (`bot.mail.bulk_budget`: 25 a second, one a
second per chat) before each send, leaving room for replies; the running bot's
`application.bot` also goes through its rate limiter (`bot.ratelimit.ChatRateLimiter`). A
`RetryAfter` that still comes through becomes a temporary failure with the wait Telegram asked
for. A user who blocked the bot (403 Forbidden) is marked unreachable, so nothing more is queued
for them.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.mail.outcomes import Outcome, Result
from storage.outbox import OutboxRow


def _retry_after(error: RetryAfter) -> timedelta:
    with warnings.catch_warnings():  # PTB warns about the int/timedelta transition
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


async def send(bot: Bot, row: OutboxRow) -> Result:
    """Send one Telegram row (HTML text, rendered and escaped by its template)."""
    try:
        await bot.send_message(chat_id=int(row.recipient), text=row.body,
                               parse_mode=ParseMode.HTML, disable_web_page_preview=True)
    except RetryAfter as exc:
        return Result(Outcome.TEMPORARY, str(exc), retry_after=_retry_after(exc))
    except Forbidden as exc:
        return Result(Outcome.PERMANENT, f"Telegram: {exc.message}", unreachable=True)
    except BadRequest as exc:  # chat not found, text refused: trying again will not help
        return Result(Outcome.PERMANENT, f"Telegram: {exc.message}")
    except (NetworkError, TelegramError) as exc:  # TimedOut is a NetworkError
        return Result(Outcome.TEMPORARY, f"Telegram: {exc.message}")
    return Result(Outcome.SENT, "sent")
