"""Serving the front with uvicorn on the running event loop, started and stopped with the bot.

The socket is bound here (so a port in use is one clear error, and port 0 picks a free one);
uvicorn neither installs signal handlers (the runner owns SIGINT and SIGTERM) nor writes an
access log (personal feed URLs hold secrets).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from telegram.ext import Application

from bot.config import ConfigError
from bot.http.app import build_front
from bot.http.webhook import Webhook
from bot.scheduling import Background
from bot.services import Services

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0  # seconds for uvicorn to start serving on the bound socket
STOP_TIMEOUT = 5  # seconds open connections get to finish at shutdown


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the runner's own handlers stay in place


def _bind(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ConfigError(f"the HTTP front cannot listen on {host}:{port} "
                          f"({exc.strerror or exc}); choose another FOF_HTTP_PORT or --port"
                          ) from None


class HttpFront:
    """The front for these services, served by uvicorn as a task on the running loop.

    Made before the bot starts (binding the socket then, so a port in use stops the program
    before anything runs); `start(background)` serves, `stop()` ends it.
    """

    def __init__(self, services: Services, host: str, port: int, *,
                 application: Application | None = None, hook: Webhook | None = None) -> None:
        self.host = host
        self.background: Background | None = None
        self.web: Starlette = build_front(services, scheduler_running=self.scheduler_running,
                                          application=application, hook=hook)
        self._socket = _bind(host, port)
        self.port: int = self._socket.getsockname()[1]
        self.server = _Server(uvicorn.Config(
            self.web, log_level="warning", log_config=None, access_log=False, lifespan="off",
            timeout_graceful_shutdown=STOP_TIMEOUT))
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def scheduler_running(self) -> bool:
        scheduler = self.background.scheduler if self.background is not None else None
        return scheduler is not None and scheduler.running

    async def start(self, background: Background | None = None) -> None:
        self.background = background
        self._task = asyncio.create_task(self.server.serve(sockets=[self._socket]),
                                         name="http-front")
        async with asyncio.timeout(START_TIMEOUT):
            while not self.server.started:
                if self._task.done():
                    self._task.result()  # raises what stopped it
                    raise RuntimeError("the HTTP front stopped while starting")
                await asyncio.sleep(0.01)
        log.info("HTTP front listening on %s", self.url)

    async def stop(self) -> None:
        if self._task is not None:
            self.server.should_exit = True
            await self._task
            self._task = None
        self._socket.close()


def http_front(services: Services, *, application: Application | None = None,
               hook: Webhook | None = None) -> HttpFront | None:
    """The front when there is a webhook or FOF_HTTP_PORT is set (socket bound); else None."""
    settings = services.settings
    if hook is not None:
        return HttpFront(services, hook.listen, hook.port, application=application, hook=hook)
    if settings.http_port is not None:
        return HttpFront(services, settings.http_host, settings.http_port,
                         application=application)
    return None
