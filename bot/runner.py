"""`fof-bot run`: the bot (long polling), the scheduler and the delivery worker on one loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.scheduling import start_background
from bot.services import open_services
from bot.startup import announce, initialize_bot
from handlers.menus import set_bot_commands

log = logging.getLogger(__name__)


async def run(settings: Settings, token: str) -> None:
    """Run until SIGINT or SIGTERM, then stop every part cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async with open_services(settings, Clock()) as services:
        application = build_application(services, token=token)
        await initialize_bot(application, settings)  # a rejected token: one line, exit 2
        # run_polling() would own the loop; we share it with the scheduler, so drive it by hand.
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling()
            await set_bot_commands(application)
            background = await start_background(services, application)
            await announce(services)  # the settings line; a WARNING if mail cannot be sent
            log.info("bot @%s is running; stop with Ctrl+C", application.bot.username)
            await stop.wait()
            log.info("stopping")
            await background.stop()
            await application.updater.stop()
            await application.stop()
