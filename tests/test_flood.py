"""One chat never stalls the others; a flooding user is throttled and told once.

These tests run the real Application as in production: updates go through its update queue and
the update processor (`bot/updates.py`), with the real AIORateLimiter, so the per-group send
limit is in place.
"""

import asyncio
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Update

from bot.app import build_application
from bot.offline import Fault, OfflineRequest, UpdateFactory, user
from bot.updates import TOO_FAST, ChatOrderedProcessor, FloodThrottle, Verdict
from tests.fixtures_bot import GROUP_CHAT, data_fixture  # noqa: F401

BOUND = 10.0  # seconds: only reached when the behaviour is broken
GROUP_USER = user(7001, "Loud")
PRIVATE_USER = user(7002, "Quiet")


class GatedRequest(OfflineRequest):
    """A Bot API where sends to the group wait until a private chat got its answer (or BOUND
    passes): with updates handled one at a time, the private answer can only come last."""

    def __init__(self) -> None:
        super().__init__()
        self.private_answered = asyncio.Event()
        self.gate_timed_out = False

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        params = dict(request_data.parameters) if request_data else {}
        chat = int(params.get("chat_id", 0))
        if chat > 0 and url.endswith("/sendMessage"):
            self.private_answered.set()
        elif chat < 0 and not self.private_answered.is_set():
            try:
                await asyncio.wait_for(self.private_answered.wait(), BOUND)
            except TimeoutError:
                self.gate_timed_out = True
                self.private_answered.set()
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.fixture
async def running(services) -> AsyncIterator[tuple]:
    """The Application started (no Updater: updates are put in its queue), rate limits on."""
    request = GatedRequest()
    application = build_application(services, request=request, rate_limit=True)
    async with application:
        await application.start()
        yield application, request, UpdateFactory(request)
        await application.stop()


async def feed(application, payloads: list[dict]) -> None:
    for payload in payloads:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    await asyncio.wait_for(application.update_queue.join(), BOUND * 2)


async def test_a_busy_group_does_not_delay_a_private_chat(running, data):
    application, request, updates = running
    group = [updates.text(GROUP_USER, "/next", GROUP_CHAT) for _ in range(40)]
    private = updates.text(PRIVATE_USER, "/next")
    await feed(application, [*group, private])
    assert not request.gate_timed_out, "the group's sends waited for the private answer in vain"
    sends = [c for c in request.calls if c.method == "sendMessage"]
    private_at = [i for i, c in enumerate(sends) if c.chat_id == PRIVATE_USER["id"]]
    group_at = [i for i, c in enumerate(sends) if c.chat_id == GROUP_CHAT]
    assert len(private_at) == 1 and sends[private_at[0]].text.startswith("Next:")
    assert private_at[0] < group_at[-1]
    # The loud user was throttled: 20 answers, then one notice, the rest dropped.
    group_texts = [sends[i].text for i in group_at]
    assert group_texts.count(TOO_FAST) == 1 and len(group_texts) == 21


async def test_a_stranger_flooding_is_told_once_and_others_are_answered(running, data):
    application, request, updates = running
    request.private_answered.set()  # no gate here
    stranger, other = user(7100, "Flood"), user(7101, "Other")
    flood = [updates.text(stranger, f"who is the focal point for mexico {n}") for n in range(300)]
    flood.insert(150, updates.text(other, "/next"))
    await feed(application, flood)
    to_stranger = request.replies(stranger["id"])
    assert to_stranger.count(TOO_FAST) == 1
    assert len(to_stranger) == 21  # 20 answers and the notice; 279 updates dropped unread
    answered = request.replies(other["id"])
    assert len(answered) == 1 and answered[0].startswith("Next:")


async def test_one_chat_is_answered_in_order(running, data):
    application, request, updates = running
    request.private_answered.set()
    someone = user(7200, "Orderly")
    await feed(application, [updates.text(someone, f"/meeting {n}") for n in (2, 1, 3)])
    texts = [c.text for c in request.sent("sendMessage", someone["id"])]
    order = [next(n for n, title in ((1, "Global Forum"), (2, "Steering group"),
                                     (3, "Troika call")) if title in t) for t in texts]
    assert order == [2, 1, 3]


async def test_a_guided_form_keeps_its_order_with_concurrent_chats(running, data):
    application, request, updates = running
    request.private_answered.set()
    admin = user(900001, "Support")
    other = user(7300, "Other")
    steps = ["/addmember", "SN", "Senegal"]
    payloads = []
    for step in steps:
        payloads += [updates.text(admin, step), updates.text(other, "/next")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PTB warning about concurrency or conversations
        await feed(application, payloads)
    assert "Added Senegal (SN)" in request.replies(admin["id"])[-1]
    assert len(request.replies(other["id"])) == 3


async def test_the_throttle_lets_a_user_back_after_a_minute(clock):
    throttle = FloodThrottle(clock)
    verdicts = [throttle.check(1) for _ in range(22)]
    assert verdicts[:20] == [Verdict.PASS] * 20
    assert verdicts[20:] == [Verdict.TELL, Verdict.DROP]
    assert throttle.check(2) == Verdict.PASS  # others are not affected
    clock.advance(timedelta(seconds=59))
    assert throttle.check(1) == Verdict.DROP
    clock.advance(timedelta(seconds=2))
    assert throttle.check(1) == Verdict.PASS
    # A steady pace below the limit is never throttled.
    for _ in range(100):
        clock.advance(timedelta(seconds=0.6))
        assert throttle.check(3) == Verdict.PASS


async def test_idle_chats_are_forgotten(clock):
    processor = ChatOrderedProcessor(FloodThrottle(clock), running=2)
    await processor.initialize()
    seen: list[int] = []

    async def work(n: int) -> None:
        await asyncio.sleep(0)
        seen.append(n)

    request = OfflineRequest()
    updates = UpdateFactory(request)
    batch = []
    for n in range(6):
        payload = updates.text(user(8000 + n % 3), "/next")
        batch.append(processor.process_update(Update.de_json(payload, None), work(n)))
    await asyncio.gather(*batch)
    assert sorted(seen) == list(range(6)) and processor.waiting_chats == 0
    await processor.shutdown()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own
async def test_telegram_asking_a_group_to_wait_pauses_only_that_group(running, data):
    application, request, updates = running
    request.private_answered.set()
    request.fail("sendMessage", Fault(429, "Too Many Requests: retry after 1", retry_after=1))
    # The group first, and only once Telegram refused its answer, the private chat: which
    # update's handler reaches Telegram first is otherwise up to the event loop.
    await application.update_queue.put(
        Update.de_json(updates.text(GROUP_USER, "/next", GROUP_CHAT), application.bot))
    async with asyncio.timeout(BOUND):
        while not any(c.method == "sendMessage" for c in request.calls):
            await asyncio.sleep(0.01)
    await feed(application, [updates.text(PRIVATE_USER, "/next")])
    sends = [c.chat_id for c in request.calls if c.method == "sendMessage"]
    # The group's first try was refused; the private answer went before the group's retry.
    assert sends == [GROUP_CHAT, PRIVATE_USER["id"], GROUP_CHAT]
