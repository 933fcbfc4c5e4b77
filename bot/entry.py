"""The `fof-bot` command's entry point: it pauses the garbage collector before the heavy
imports (see bot.collector), and turns it back on however the command ends."""

from __future__ import annotations

from bot import collector


def main() -> int:
    collector.pause()
    try:
        from bot.cli import main as command

        return command()
    finally:
        collector.started()
