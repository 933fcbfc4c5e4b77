"""The garbage collector during start-up.

Starting creates a few hundred thousand objects that live as long as the process (modules,
classes, pydantic and SQLAlchemy models and mappers). The cyclic collector would walk them again
and again while they are being created: about a tenth of a second of a start of under one
second. So `fof-bot` pauses collection from its first line (`bot.entry`) until the program is
running (`started`), and what exists by then is moved out of the collector's way for good
(`gc.freeze`).
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def started() -> None:
    """Collection back on, after the start-up objects were frozen; a no-op when it was never
    paused (tests and other callers of `bot.cli.main`)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
