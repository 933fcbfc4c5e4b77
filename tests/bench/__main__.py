"""Runs every figure of `make bench`, prints one line each, writes bench-results.json."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import digest, fanout, outbox, reads, startup
from tests.bench.common import Figure, not_measured, seconds_left, start_budget

# In the order of priority, but the quick start-up figure before the long fan-out; each
# with the least time it needs: a group that would not fit in what is left is not run.
GROUPS = (("digest", digest, 60), ("outbox", outbox, 10), ("reads", reads, 40),
          ("startup", startup, 20), ("fanout", fanout, 45))
RESULTS = Path("bench-results.json")


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


async def _run_group(name: str, module, folder: Path) -> list[Figure]:
    (folder / name).mkdir()
    try:
        return await module.measure(folder / name)
    except Exception as problem:  # one broken group is reported, the others still run
        traceback.print_exc()
        return [not_measured(f"{name} figures", "see the issue's table",
                             f"the measurement failed: {problem!r}")]


async def main(only: list[str]) -> int:
    logging.disable(logging.WARNING)  # the product's INFO/WARNING lines would drown the report
    folder = Path(tempfile.mkdtemp(prefix="fof-bench-"))
    figures: list[Figure] = []
    started = time.perf_counter()
    start_budget()
    print(f"make bench on {_machine()}", flush=True)
    try:
        for name, module, least in GROUPS:
            if only and name not in only:
                continue
            t0 = time.perf_counter()
            if seconds_left() < least:
                found = [not_measured(f"{name} figures", "see the issue's table",
                                      f"the 5-minute budget was spent ({seconds_left():.0f} s "
                                      f"left, the group needs {least} s)")]
            else:
                found = await _run_group(name, module, folder)
            for figure in found:
                print(figure.line(), flush=True)
            print(f"  ({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
            figures.extend(found)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - started
    RESULTS.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine(),
        "seconds": round(total, 1), "figures": [f.as_json() for f in figures],
    }, indent=2) + "\n")
    met = sum(f.met is True for f in figures)
    missed = sum(f.met is False for f in figures)
    print(f"{met} goals met, {missed} not met, {sum(f.value is None for f in figures)} not "
          f"measured; {total:.0f} s in all; written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
