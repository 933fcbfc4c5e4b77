"""The TLS context of the Bot API's connections, built in a thread. Loading the CA bundle takes
a few hundredths of a second that OpenSSL spends without Python's lock, so `fof-bot run` starts
it before importing the runner and the two run side by side on a second CPU."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_context: Future | None = None


def prepare() -> None:
    """Start building the context (once); `context()` waits for it."""
    global _context
    if _context is not None:
        return
    future: Future = Future()

    def build() -> None:
        try:
            future.set_result(_build())
        except BaseException as error:  # handed to whoever asks for the context
            future.set_exception(error)

    _context = future
    threading.Thread(target=build, name="tls-context", daemon=True).start()


def context() -> ssl.SSLContext:
    """The context `prepare()` started, or one built now when nothing started it."""
    if _context is None:
        return _build()
    return _context.result()


def _build() -> ssl.SSLContext:
    """httpx's own default context, so SSL_CERT_FILE and SSL_CERT_DIR still apply."""
    import httpx

    return httpx.create_ssl_context()
