"""How updates are processed: chats side by side, each chat in order, floods dropped.

python-telegram-bot hands every update to one `BaseUpdateProcessor`. `ChatOrderedProcessor` runs
updates of different chats concurrently (so a group the per-group send limit is slowing down
never makes a private chat wait), keeps the updates of one chat strictly in order (the guided
forms' ConversationHandler keys its state on chat and user, and needs exactly that), bounds how
many run at once, and drops the updates of a user who floods the bot (`FloodThrottle`), telling
them once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.clock import Clock

log = logging.getLogger(__name__)

TOO_FAST = "You are sending too fast; wait a minute."


class Verdict(StrEnum):
    PASS = "pass"
    TELL = "tell"  # the first update over the limit: dropped, and the user is told
    DROP = "drop"


@dataclass
class _Sender:
    recent: deque[datetime] = field(default_factory=deque)
    muted_until: datetime | None = None


class FloodThrottle:
    """More than `limit` updates within `window` from one user: their updates are dropped for
    `pause` (on the services clock, so tests can move time)."""

    def __init__(self, clock: Clock, *, limit: int = 20, window: timedelta = timedelta(seconds=10),
                 pause: timedelta = timedelta(minutes=1)) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.pause = pause
        self._senders: dict[int, _Sender] = {}

    def check(self, user_id: int) -> Verdict:
        now = self.clock.now()
        sender = self._senders.setdefault(user_id, _Sender())
        if sender.muted_until is not None:
            if now < sender.muted_until:
                return Verdict.DROP
            sender.muted_until = None
        while sender.recent and sender.recent[0] <= now - self.window:
            sender.recent.popleft()
        sender.recent.append(now)
        if len(sender.recent) > self.limit:
            sender.recent.clear()
            sender.muted_until = now + self.pause
            log.warning("user %s sends too fast: updates dropped for %s", user_id, self.pause)
            return Verdict.TELL
        if len(self._senders) > 10_000:
            self._forget(now)
        return Verdict.PASS

    def _forget(self, now: datetime) -> None:
        """Drop the record of users who have been quiet for a whole window."""
        for user_id, sender in list(self._senders.items()):
            quiet = not sender.recent or sender.recent[-1] <= now - self.window
            if quiet and (sender.muted_until is None or sender.muted_until <= now):
                del self._senders[user_id]


@dataclass
class _ChatTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # updates of this chat running or waiting


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat, at most `running` at once."""

    def __init__(self, throttle: FloodThrottle, *, running: int = 32, in_flight: int = 1024,
                 per_chat: int = 100) -> None:
        # PTB's own semaphore bounds the updates in flight, including those waiting for their
        # chat's turn; ours bounds the ones actually running (a waiting update holds none).
        super().__init__(in_flight)
        self.throttle = throttle
        self.running = running
        self.per_chat = per_chat
        self._slots: asyncio.Semaphore | None = None
        self._chats: dict[int, _ChatTurn] = {}

    async def initialize(self) -> None:
        self._slots = asyncio.Semaphore(self.running)

    async def shutdown(self) -> None:
        self._chats.clear()

    @property
    def waiting_chats(self) -> int:
        """Chats with an update running or waiting (idle chats are forgotten)."""
        return len(self._chats)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update) and update.effective_user is not None:
            verdict = self.throttle.check(update.effective_user.id)
            if verdict != Verdict.PASS:
                _discard(coroutine)
                if verdict == Verdict.TELL:
                    await _tell_too_fast(update)
                return
        chat = _chat_key(update)
        if chat is None:
            await self._run(coroutine)
            return
        turn = self._chats.setdefault(chat, _ChatTurn())
        if turn.holders >= self.per_chat:
            log.warning("chat %s has %s updates waiting: one dropped", chat, turn.holders)
            _discard(coroutine)
            return
        turn.holders += 1
        try:
            async with turn.lock:  # asyncio.Lock wakes its waiters in arrival order
                await self._run(coroutine)
        finally:
            turn.holders -= 1
            if turn.holders == 0:
                del self._chats[chat]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        if self._slots is None:  # used without initialize(): no bound of our own
            await coroutine
            return
        async with self._slots:
            await coroutine


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


def _discard(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()  # never awaited on purpose: no "coroutine was never awaited" warning


async def _tell_too_fast(update: Update) -> None:
    """Tell a flooding user, once, why they get no answers."""
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(TOO_FAST, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(TOO_FAST)
    except TelegramError:
        log.warning("could not tell a flooding user to slow down", exc_info=True)
