"""Profile the read commands at UN scale (not part of `make test` nor `make bench`):

    .venv/bin/python -m tests.bench.profile [/next /actions ...]

Builds the same UN-scale database as the `reads` part of `make bench`, prints the CPU time of
each command against the bare echo handler, then a pyinstrument profile of each (pyinstrument
is not a dependency: `pip install pyinstrument` in your venv).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from bot.app import build_application
from bot.clock import FixedClock
from bot.offline import OfflineBot, OfflineRequest
from bot.services import open_services
from tests.bench.common import NOW, bench_settings
from tests.bench.reads import DELEGATE, _cpu_per_call, _echo_bot, build_un_scale

RUNS = 50


async def main(commands: list[str]) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="fof-profile-") as folder:
        await _profile(Path(folder), commands)


async def _profile(folder: Path, commands: list[str]) -> None:
    from pyinstrument import Profiler

    settings = bench_settings(folder, 2525, "reads")
    async with open_services(settings, FixedClock(NOW)) as services:
        await build_un_scale(services)
        echo, echo_app = await _echo_bot()
        request = OfflineRequest()
        async with build_application(services, request=request, rate_limit=False) as app:
            bot = OfflineBot(app, request)
            for text in commands:
                spent, baseline, _, _ = await _cpu_per_call(bot, DELEGATE, text, echo)
                print(f"{text}: {spent:.2f} ms CPU, echo {baseline:.3f} ms "
                      f"({spent / baseline:.1f}x)")
            for text in commands:
                profiler = Profiler(interval=0.0002)
                with profiler:
                    for _ in range(RUNS):
                        await bot.send(DELEGATE, text)
                print(profiler.output_text(color=False, show_all="--all" in sys.argv))
        await echo_app.shutdown()


if __name__ == "__main__":
    asyncio.run(main([a for a in sys.argv[1:] if a != "--all"]
                     or ["/next", "/actions", "/meetings"]))
