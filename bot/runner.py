"""`fof-bot run`: the bot (long polling or a webhook), the scheduler, the delivery worker and the
HTTP front (bot/http/) on one loop.

`--worker`: the scheduler and the delivery worker only, no Telegram updates (any number of
workers beside one poller or webhook); `--no-migrate`: `fof-bot db upgrade` migrates instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from typing import TYPE_CHECKING

from telegram.ext import Application

from bot.app import build_application
from bot.clock import Clock
from bot.collector import started
from bot.config import Settings
from bot.instance import PollingGuard
from bot.services import open_services
from bot.startup import announce, initialize_bot
from handlers.menus import set_bot_commands

if TYPE_CHECKING:  # the HTTP front (uvicorn, starlette, jinja2) is loaded only when it is on
    from bot.http import webhook

log = logging.getLogger(__name__)


async def run(settings: Settings, token: str, hook: webhook.Webhook | None = None, *,
              worker: bool = False, migrate: bool = True) -> int:
    """Run until SIGINT or SIGTERM, then stop every part cleanly; the exit status (2 when
    another program polls the same token)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    polling = PollingGuard(stop)
    async with open_services(settings, Clock(), migrate=migrate) as services:
        application = build_application(services, token=token)
        await initialize_bot(application, settings)  # a rejected token: one line, exit 2
        # Bound now: a port in use stops the program before anything starts. A worker serves
        # /healthz and the feeds (when FOF_HTTP_PORT is set) but takes no updates.
        front = None
        if hook is not None or settings.http_port is not None:
            front = http_front(services, application=None if worker else application,
                               hook=hook)
        # run_polling() would own the loop; we share it with the scheduler, so drive it by hand.
        async with application:
            if hook is not None:  # before start: a URL Telegram refuses stops us cleanly
                from bot.http import webhook

                await webhook.register(application, hook)
            await application.start()
            if not worker:
                await _take_updates(application, polling if hook is None else None)
            background = await _start_background(services, application)
            await announce(services)  # the settings line; a WARNING if mail cannot be sent
            if front is not None:
                await front.start(background)
            log.info("%s @%s is running; stop with Ctrl+C",
                     "worker for" if worker else "bot", application.bot.username)
            # The menus are a dozen calls to Telegram: set once the bot runs, not before.
            menus = None if worker else asyncio.create_task(_set_menus(application))
            started()  # the garbage collector, paused for the start (bot.collector)
            await stop.wait()
            log.info("stopping")
            await _cancel(menus)
            if front is not None:
                await front.stop()
            await background.stop()
            # In webhook mode the webhook stays set: Telegram keeps updates until we are back.
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
    return polling.exit_status


async def _start_background(services, application: Application):  # -> scheduling.Background
    """The scheduler and the delivery worker. Their modules (the jobs, the SMTP client) are
    imported once updates are being taken, in a thread: the loop stays free to send the first
    getUpdates and answer what it brings. Answers first, at start-up too."""
    scheduling = await asyncio.to_thread(importlib.import_module, "bot.scheduling")
    return await scheduling.start_background(services, application)


def http_front(services, **options):  # -> bot.http.server.HttpFront | None
    """`bot.http.server.http_front`, imported only when there is a front to run."""
    from bot.http.server import http_front as front

    return front(services, **options)


async def _take_updates(application: Application, polling: PollingGuard | None) -> None:
    """Long polling (guarded against a second poller on the token), or the webhook's queue."""
    if polling is not None:
        assert application.updater is not None
        await application.updater.start_polling(error_callback=polling)


async def _cancel(task: asyncio.Task | None) -> None:
    """Stop a background task that may still be running (the menus, at a quick stop)."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _set_menus(application: Application) -> None:
    """The command menus (`handlers.menus`). A failure (Telegram, or the database read of the
    administrators) costs only the menus: it is logged, and the bot runs on."""
    try:
        await set_bot_commands(application)
    except Exception:
        log.warning("could not set the command menus", exc_info=True)
