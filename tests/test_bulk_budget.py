"""Answers first: bulk Telegram copies go through their own budget, under Telegram's limits.

Time here is a clock the tests control (the budget's clock and sleep are injected): nothing
waits on the wall clock, and the count per one-second window is exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Update

from bot.app import build_application
from bot.mail import bulk_budget
from bot.mail.bulk_budget import BulkBudget
from bot.mail.delivery import deliver_due
from bot.offline import Fault, OfflineRequest, UpdateFactory, user
from storage import outbox
from storage.models import Channel, OutboxStatus
from tests.mail_fixtures import rows

BOUND = 10.0  # seconds: only reached when the behaviour is broken
TELEGRAM_LIMIT = 30  # messages in any one-second window, as the Bot API enforces it
ASKER = user(8001, "Asker")


class FakeTime:
    """A monotonic clock that moves only when the budget sleeps; `on_sleep` runs first."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.on_sleep = None

    def time(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps += 1
        if self.on_sleep is not None:
            await self.on_sleep()
        self.now += delay


def most_in_a_window(times: list[float], window: float = 1.0) -> int:
    return max((sum(1 for t in times if start <= t < start + window) for start in times),
               default=0)


async def test_the_budget_never_exceeds_its_rate_in_any_window():
    fake = FakeTime()
    budget = BulkBudget(rate=25, clock=fake.time, sleep=fake.sleep)
    taken: list[tuple[float, int]] = []
    for n in range(100):  # distinct chats: only the overall rate holds them back
        await budget.wait(n)
        taken.append((fake.now, n))
    times = [t for t, _ in taken]
    assert most_in_a_window(times) == 25
    assert times[-1] == pytest.approx(3.0)  # the budget is used, not wasted: 25 a second
    for n in range(30):  # a few chats again and again: one a second per chat
        await budget.wait(n % 3)
        taken.append((fake.now, n % 3))
    for chat in range(3):
        mine = [t for t, c in taken if c == chat]
        assert all(b - a >= 1.0 for a, b in zip(mine, mine[1:], strict=False))
    assert most_in_a_window([t for t, _ in taken]) <= 25


class StrictBotApi(OfflineRequest):
    """A Bot API enforcing 30 messages in any one-second window (on the fake clock): beyond it,
    it answers 429 as Telegram does. It records when each message was sent."""

    def __init__(self, fake: FakeTime) -> None:
        super().__init__()
        self.fake = fake
        self.sends: list[tuple[float, int]] = []  # (fake time, chat id)
        self.too_many = 0
        self.answered = asyncio.Event()

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        params = dict(request_data.parameters) if request_data else {}
        if url.endswith("/sendMessage"):
            now = self.fake.time()
            if sum(1 for t, _ in self.sends if now - t < 1.0) >= TELEGRAM_LIMIT:
                self.too_many += 1
                self.fail("sendMessage", Fault(429, "Too Many Requests: retry after 1",
                                               retry_after=1))
            else:
                self.sends.append((now, int(params["chat_id"])))
                if int(params["chat_id"]) == ASKER["id"]:
                    self.answered.set()
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.fixture
async def running(services, monkeypatch) -> AsyncIterator[tuple]:
    """The Application started with its rate limiter, and the bulk budget on the fake clock."""
    fake = FakeTime()
    request = StrictBotApi(fake)
    application = build_application(services, request=request, rate_limit=True)
    budget = BulkBudget(clock=fake.time, sleep=fake.sleep)
    monkeypatch.setattr(bulk_budget, "for_bot", lambda bot: budget)
    async with application:
        await application.start()
        yield application, request, fake
        await application.stop()


async def queue_fan_out(services, chats: range) -> None:
    now = services.clock.now()
    async with services.sessions.begin() as session:
        for chat in chats:
            await outbox.enqueue(session, key=f"telegram:test:{chat}", recipient=str(chat),
                                 kind="reminder", body=f"Reminder {chat}", now=now,
                                 channel=Channel.TELEGRAM)


async def test_a_reply_goes_out_while_a_fan_out_is_in_progress(services, running):
    application, request, fake = running
    chats = range(500_001, 500_061)  # 60 linked users
    await queue_fan_out(services, chats)

    async def ask_once() -> None:  # the first time the fan-out waits for its budget
        if fake.sleeps == 1:
            payload = UpdateFactory(request).text(ASKER, "/help")
            await application.update_queue.put(Update.de_json(payload, application.bot))
            await asyncio.wait_for(request.answered.wait(), BOUND)

    fake.on_sleep = ask_once
    report = await asyncio.wait_for(
        deliver_due(services, services.clock.now(), telegram_bot=application.bot), BOUND * 2)
    assert report.sent == 60 and report.retry == 0
    assert request.too_many == 0  # no 429 provoked
    order = [chat for _, chat in request.sends]
    assert ASKER["id"] in order
    assert order.index(ASKER["id"]) < len(order) - 1  # the reply went out before the fan-out ended
    bulk = [t for t, chat in request.sends if chat != ASKER["id"]]
    assert most_in_a_window(bulk) <= bulk_budget.RATE
    assert most_in_a_window([t for t, _ in request.sends]) <= TELEGRAM_LIMIT
    assert bulk[-1] >= 2.0  # 60 sends at 25 a second: paced over three windows
    assert {r.status for r in await rows(services, "telegram:")} == {OutboxStatus.SENT}
