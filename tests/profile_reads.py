"""Profile the read commands at UN scale (not part of `make test`):

    .venv/bin/python -m tests.profile_reads [--profile]

Builds the UN-scale database (tests/un_scale.py) in a throwaway SQLite file, drives `/next`,
`/actions`, `/meetings` through the real Application offline, and prints the CPU time of each
against a bare echo handler on the same offline request object; with `--profile`, a pyinstrument
profile of each command (pyinstrument is not a dependency: pip install it in your venv).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time

from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bot.app import build_application
from bot.clock import FixedClock
from bot.config import load_settings
from bot.offline import OfflineBot, OfflineRequest
from bot.services import open_services
from tests.conftest import ADMIN, ADMIN_ID, DEMO_NOW
from tests.un_scale import build

COMMANDS = ("/next", "/actions", "/meetings")
RUNS = 30


async def cpu_ms(bot: OfflineBot, text: str, runs: int = RUNS) -> float:
    for _ in range(3):
        await bot.send(ADMIN, text)
    start = time.process_time()
    for _ in range(runs):
        await bot.send(ADMIN, text)
    return (time.process_time() - start) / runs * 1000


async def echo_ms() -> float:
    request = OfflineRequest()
    echo = ApplicationBuilder().token("1:x").request(request) \
        .get_updates_request(OfflineRequest()).build()

    async def handle(update, context) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    echo.add_handler(MessageHandler(filters.ALL, handle))
    async with echo:
        return await cpu_ms(OfflineBot(echo, request), "/next", RUNS * 10)


async def main(profile: bool) -> None:
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/scale.sqlite"
    settings = load_settings(_env_file=None, database_url=url, admin_ids=[ADMIN_ID],
                             timezone="Europe/Brussels")
    async with open_services(settings, FixedClock(DEMO_NOW), migrate=True) as services:
        await build(services)
        request = OfflineRequest()
        async with build_application(services, request=request, rate_limit=False) as app:
            bot = OfflineBot(app, request)
            baseline = await echo_ms()
            print(f"echo handler: {baseline:.2f} ms CPU")
            for text in COMMANDS:
                spent = await cpu_ms(bot, text)
                print(f"{text}: {spent:.1f} ms CPU ({spent / baseline:.1f}x echo)")
            if profile:
                from pyinstrument import Profiler
                for text in COMMANDS:
                    profiler = Profiler()
                    with profiler:
                        for _ in range(5):
                            await bot.send(ADMIN, text)
                    print(profiler.output_text(color=False))


if __name__ == "__main__":
    asyncio.run(main("--profile" in sys.argv))
