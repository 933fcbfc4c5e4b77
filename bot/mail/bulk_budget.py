"""The budget of bulk Telegram copies (reminders, digest copies), kept apart from replies.

Telegram allows about 30 messages a second overall and one a second per chat. Replies to people
go through the Application's rate limiter (`bot.ratelimit.ChatRateLimiter`); the delivery worker
first takes a slot here: at most `RATE` sends in any one-second window (a sliding window, not a
bucket that lets a burst through on top of a steady pace) and one a second per chat. The rest of
Telegram's 30 a second is left to replies, so that a fan-out neither provokes a 429 nor makes a
delegate's `/next` wait behind it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable

RATE = 25  # bulk sends in any one-second window (Telegram: about 30 overall)
WINDOW = 1.0  # seconds
PER_CHAT = 1.0  # seconds between two bulk sends to the same chat


class BulkBudget:
    """A sliding-window limiter: `wait(chat)` returns when a send to `chat` fits the budget.

    `clock` and `sleep` are injectable so that tests run on a clock they control.
    """

    def __init__(self, rate: int = RATE, window: float = WINDOW, per_chat: float = PER_CHAT,
                 *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.rate = rate
        self.window = window
        self.per_chat = per_chat
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()  # when the sends of the last window started
        self._last: dict[object, float] = {}  # chat -> when its last bulk send started
        self._lock = asyncio.Lock()

    def _delay(self, chat: object, now: float) -> float:
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        delay = 0.0
        if len(self._sent) >= self.rate:
            delay = self._sent[0] + self.window - now
        last = self._last.get(chat)
        if last is not None:
            delay = max(delay, last + self.per_chat - now)
        return delay

    async def wait(self, chat: object) -> None:
        """Wait for a slot for `chat`, then take it (callers are served one at a time)."""
        async with self._lock:
            while (delay := self._delay(chat, self._clock())) > 0:
                await self._sleep(delay)
            now = self._clock()
            self._sent.append(now)
            self._last[chat] = now
            if len(self._last) > 4 * self.rate:  # forget chats whose pause is over
                self._last = {c: t for c, t in self._last.items()
                              if now - t < self.per_chat}


_budgets: weakref.WeakKeyDictionary[object, BulkBudget] = weakref.WeakKeyDictionary()


def for_bot(bot: object) -> BulkBudget:
    """The one budget of this bot (a token's limits are shared by everything that sends)."""
    budget = _budgets.get(bot)
    if budget is None:
        budget = _budgets[bot] = BulkBudget()
    return budget
