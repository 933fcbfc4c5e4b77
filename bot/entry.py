"""The `fof-bot` command's entry point: it pauses the garbage collector before the heavy
imports (see bot.collector), and turns it back on however the command ends."""

from __future__ import annotations

import sys

from bot import collector


def main() -> int:
    collector.pause()
    skip_unused_imports()
    try:
        from bot.cli import main as command

        return command()
    finally:
        collector.started()


def skip_unused_imports() -> None:
    """httpx (under python-telegram-bot) tries to import its command-line client when it is
    imported, loading click and pygments before failing without rich: a hundredth of a second
    of every start, for a client never used. A None entry makes that import fail at once."""
    sys.modules.setdefault("httpx._main", None)
