"""Telegram's flood limits, kept per chat.

python-telegram-bot's `AIORateLimiter` keeps us under 30 messages a second overall and 20 a
minute per group; a group waits for its own limiter before it takes the overall one, so a paused
group delays only its own messages. But when Telegram answers `RetryAfter`, the stock limiter
pauses *every* request until the wait is over: one busy group (or one reminder to a contact)
would stall every private reply. `ChatRateLimiter` keeps the same limits and retries, and
pauses only the chat that was told to wait.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns about the int/timedelta transition
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter whose RetryAfter pause holds back only the chat it came from."""

    def __init__(self, *, max_retries: int = 1, **limits: Any) -> None:
        super().__init__(max_retries=max_retries, **limits)
        self._paused_until: dict[object, float] = {}  # chat id -> event-loop time

    async def _wait_for(self, chat: object) -> None:
        until = self._paused_until.get(chat)
        if until is None:
            return
        delay = until - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)
        if self._paused_until.get(chat) == until:
            del self._paused_until[chat]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        retries = rate_limit_args or self._max_retries
        chat = data.get("chat_id")
        group: object = False
        try:  # negative ids (and @names) are groups and channels: the per-group limit applies
            group = chat if int(chat) < 0 else False  # type: ignore[arg-type]
        except (TypeError, ValueError):
            group = chat if isinstance(chat, str) else False
        for attempt in range(retries + 1):
            await self._wait_for(chat)
            try:
                return await self._run_request(
                    chat=chat is not None, group=group,  # type: ignore[arg-type]
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback, args=args, kwargs=kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = _seconds(exc) + 0.1
                log.info("Telegram asked chat %s to wait %.1f s; other chats go on", chat, wait)
                self._paused_until[chat] = asyncio.get_running_loop().time() + wait
        raise AssertionError("unreachable")  # the loop returns or raises
