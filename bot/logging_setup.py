"""Logging that never shows a secret."""

from __future__ import annotations

import logging
from typing import TextIO


class RedactSecrets(logging.Filter):
    """Replace any configured secret (bot token, SMTP password) in a record with a mask."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "[secret]")
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, "[secret]")
            record.exc_text, record.exc_info = text, None
        return True


def setup_logging(
    level: str = "INFO", secrets: list[str] | None = None, stream: TextIO | None = None
) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the bot token.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Alembic announces every migration step at INFO, APScheduler every job run (every 15 s);
    # operators only need to hear of problems (our jobs log their own failures and results).
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
