"""A delegate's /next while a 1,000-recipient Telegram fan-out goes out, against a fake Bot API
over HTTP on 127.0.0.1 that enforces Telegram's limits (30 messages in any second overall, one a
second per chat) by answering 429 with retry_after, as Telegram does.

The bot runs as in production: `build_application` with its rate limiter and update processor,
started (`app.start()`), updates put on its queue; the fan-out is the outbox worker
(`deliver_due` with the bot) sending 1,000 queued Telegram rows. Baselines: the limit itself
(30 msg/s) and the delegate's /next answered while nothing else goes out."""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
from collections import deque
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from telegram import Update

from bot.app import build_application
from bot.clock import Clock
from bot.mail.delivery import deliver_due
from bot.offline import BOT_USER, UpdateFactory, user
from bot.services import open_services
from storage import outbox
from storage.models import Channel
from tests.bench.common import (
    FIRST_TELEGRAM_ID,
    NOW,
    SHARED,
    Figure,
    bench_settings,
    import_contacts,
    not_measured,
    seconds_left,
)

RECIPIENTS = 1_000
LIMIT_PER_SECOND = 30
FANOUT_CAP = 60.0  # seconds for the whole fan-out
REPLY_CAP = 10.0  # seconds to wait for one answer to /next
QUIET_SAMPLES = 5
DELEGATE = user(FIRST_TELEGRAM_ID + RECIPIENTS, "Delegate")  # linked, not in the fan-out
TOKEN = "123456789:AAH-bench-token"


class TickingClock(Clock):
    """Starts at NOW and runs with real time: the flood throttle counts a user's updates on the
    services clock, and on a clock standing still a delegate asking once a second would look
    like a flood (20 updates "at once") and be dropped."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


class LimitedBotApi:
    """The Bot API methods the bot calls here; sendMessage under Telegram's limits."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recent: deque[float] = deque()  # accepted sendMessage times, last second
        self.last_per_chat: dict[int, float] = {}
        self.sent: list[tuple[float, int]] = []  # (time, chat id) of accepted messages
        self.refused = 0  # answers 429
        self.ids = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as api.telegram.org

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                params = api.params(raw, self.headers.get("Content-Type", ""))
                status, answer = api.answer(method, params)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def params(raw: bytes, content_type: str) -> dict:
        if "json" in content_type:
            return json.loads(raw or b"{}")
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def answer(self, method: str, params: dict) -> tuple[int, dict]:
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method != "sendMessage":
            return 200, {"ok": True, "result": True}
        chat = int(params.get("chat_id", 0))
        with self.lock:
            now = time.perf_counter()
            while self.recent and now - self.recent[0] >= 1.0:
                self.recent.popleft()
            if len(self.recent) >= LIMIT_PER_SECOND or \
                    now - self.last_per_chat.get(chat, -10.0) < 1.0:
                self.refused += 1
                return 429, {"ok": False, "error_code": 429,
                             "description": "Too Many Requests: retry after 1",
                             "parameters": {"retry_after": 1}}
            self.recent.append(now)
            self.last_per_chat[chat] = now
            self.sent.append((now, chat))
            self.ids += 1
            message = {"message_id": self.ids, "date": int(time.time()), "from": BOT_USER,
                       "chat": {"id": chat, "type": "private"}, "text": params.get("text", "")}
        return 200, {"ok": True, "result": message}

    def replies_to(self, chat: int) -> int:
        with self.lock:
            return sum(1 for _, c in self.sent if c == chat)

    def __enter__(self) -> LimitedBotApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


async def _ask_next(app, factory: UpdateFactory, api: LimitedBotApi) -> float | None:
    """Seconds from /next put on the bot's update queue to its answer at the fake API (the
    answers of earlier questions that came too late are counted first: one chat, in order)."""
    factory.asked += 1
    start = time.perf_counter()
    await app.update_queue.put(Update.de_json(factory.text(DELEGATE, "/next"), app.bot))
    while time.perf_counter() - start < REPLY_CAP:
        if api.replies_to(DELEGATE["id"]) >= factory.asked:
            return time.perf_counter() - start
        await asyncio.sleep(0.005)
    return None


async def _fan_out(services, app) -> bool:
    """The outbox worker until nothing is due; False when stopped at the time cap."""
    try:
        async with asyncio.timeout(max(5.0, min(FANOUT_CAP, seconds_left() - 5))):
            for _ in range(10):  # rows put back for a retry are not due again at NOW
                report = await deliver_due(services, NOW, telegram_bot=app.bot)
                if report.attempted == 0:
                    break
    except TimeoutError:
        return False
    return True


async def _queue(services) -> None:
    async with services.sessions.begin() as session:
        for n in range(RECIPIENTS):
            await outbox.enqueue(session, key=f"bench:fanout:{n}", channel=Channel.TELEGRAM,
                                 recipient=str(FIRST_TELEGRAM_ID + n), kind="reminder",
                                 body=f"Reminder {n}: the <b>Global Forum</b> opens on Monday.",
                                 now=NOW)


async def measure(folder: Path) -> list[Figure]:
    with LimitedBotApi() as api:
        shared = SHARED.get("contacts2000")  # the digest's 2,000 linked contacts, when built
        reuse = shared is not None and shared.exists()
        settings = bench_settings(shared.parent if reuse else folder, 2525,
                                  shared.stem if reuse else "fanout", telegram_api_url=api.url)
        async with open_services(settings, TickingClock(NOW)) as services:
            if not reuse:
                await import_contacts(services, RECIPIENTS + 1)
            await _queue(services)
            app = build_application(services, token=TOKEN)
            async with app:
                await app.start()
                try:
                    return await _measure_running(services, app, api)
                finally:
                    await app.stop()


async def _measure_running(services, app, api: LimitedBotApi) -> list[Figure]:
    factory = UpdateFactory(None)
    factory.asked = 0  # questions put on the queue so far
    quiet = []
    for _ in range(QUIET_SAMPLES):
        await asyncio.sleep(1.1)  # the delegate's chat: one message a second
        if (answered := await _ask_next(app, factory, api)) is not None:
            quiet.append(answered)
    await asyncio.sleep(1.1)
    refused_before = api.refused
    start_count = len(api.sent)
    fan_out = asyncio.create_task(_fan_out(services, app))
    busy: list[float] = []
    unanswered = 0
    while not fan_out.done():
        answered = await _ask_next(app, factory, api)
        if answered is None:
            unanswered += 1
        else:
            busy.append(answered)
        await asyncio.sleep(1.1)
    finished = await fan_out
    chats = {chat for _, chat in api.sent[start_count:] if chat != DELEGATE["id"]}
    times = [t for t, chat in api.sent[start_count:] if chat != DELEGATE["id"]]
    return _figures(quiet, busy, unanswered, len(chats), times, api.refused - refused_before,
                    finished)


def _figures(quiet, busy, unanswered, delivered, times, refused, finished) -> list[Figure]:
    name = f"/next answered during a {RECIPIENTS:,}-recipient Telegram fan-out (p99)"
    figures = []
    if not busy or not quiet:
        figures.append(not_measured(name, "< 2 s", f"{unanswered} /next unanswered within "
                                                   f"{REPLY_CAP:.0f} s"))
    else:
        waits = sorted(busy + [REPLY_CAP] * unanswered)  # unanswered: at least the cap
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
        base = statistics.median(quiet)
        figures.append(Figure(name, p99, "s", "< 2 s", baseline=base, ratio=p99 / base,
                              met=p99 < 2 and unanswered == 0,
                              note=f"{len(busy)} asked, {unanswered} unanswered within "
                                   f"{REPLY_CAP:.0f} s; baseline: /next with nothing going out"))
    if delivered < 2:
        figures.append(not_measured("Telegram fan-out rate", ">= 25 msg/s, 0 x 429",
                                    "fewer than 2 messages went out"))
        return figures
    rate = (len(times) - 1) / (times[-1] - times[0])
    figures.append(Figure(
        f"Telegram fan-out to {RECIPIENTS:,} against a Bot API enforcing 30/s", rate, "msg/s",
        ">= 25 msg/s and 0 answers 429", baseline=float(LIMIT_PER_SECOND),
        ratio=rate / LIMIT_PER_SECOND, met=rate >= 25 and refused == 0 and delivered == RECIPIENTS,
        note=f"{refused} answers 429; {delivered:,} of {RECIPIENTS:,} chats reached"
             + ("" if finished else " (stopped at its time cap)")))
    return figures
