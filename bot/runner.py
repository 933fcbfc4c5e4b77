"""`fof-bot run`: the bot (long polling), the scheduler and the delivery worker on one loop.

`--worker`: the scheduler and the delivery worker only, no Telegram updates (any number of
workers beside one poller); `--no-migrate`: the database is migrated by `fof-bot db upgrade`.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.instance import PollingGuard
from bot.scheduling import start_background
from bot.services import open_services
from handlers.menus import set_bot_commands

log = logging.getLogger(__name__)


async def run(settings: Settings, token: str, *, worker: bool = False,
              migrate: bool = True) -> int:
    """Run until SIGINT or SIGTERM, then stop every part cleanly; the exit status (2 when
    another program polls the same token)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    polling = PollingGuard(stop)
    async with open_services(settings, Clock(), migrate=migrate) as services:
        application = build_application(services, token=token)
        # run_polling() would own the loop; we share it with the scheduler, so drive it by hand.
        async with application:
            await application.start()
            assert application.updater is not None
            if not worker:
                await application.updater.start_polling(error_callback=polling)
                await set_bot_commands(application)
            background = await start_background(services, application)
            log.info("%s @%s is running; stop with Ctrl+C",
                     "worker for" if worker else "bot", application.bot.username)
            await stop.wait()
            log.info("stopping")
            await background.stop()
            if application.updater.running:
                await application.updater.stop()
            await application.stop()
    return polling.exit_status
