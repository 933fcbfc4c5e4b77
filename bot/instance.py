"""Who this process is, among several instances sharing one database."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket

from telegram.error import Conflict, TelegramError

log = logging.getLogger(__name__)


def instance_id() -> str:
    """`host:pid:random`, unique per process start (at most 80 characters, as stored)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


class PollingGuard:
    """The updater's error callback: a 409 Conflict (another instance polls this token) gives
    one clear log line and stops the run with exit status 2; other polling errors are one
    warning line each (PTB retries them), not a traceback every few seconds."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.exit_status = 0
        # At stop, PTB calls getUpdates once more (to confirm fetched updates) and logs the
        # second 409 with a traceback; after a conflict there is nothing to confirm.
        logging.getLogger("telegram.ext.Updater").addFilter(self._after_conflict)

    def _after_conflict(self, record: logging.LogRecord) -> bool:
        return not (self.exit_status and str(record.msg).startswith(
            "Error while calling `get_updates` one more time"))

    def __call__(self, error: TelegramError) -> None:
        if isinstance(error, Conflict):
            if self.exit_status == 0:
                log.error(
                    "another program is taking this bot's updates (Telegram answered 409 "
                    "Conflict): run one poller per token and the other instances with "
                    "`fof-bot run --worker`; stopping")
            self.exit_status = 2
            self.stop.set()
            return
        log.warning("polling Telegram for updates failed: %s", error)
