"""Start to first getUpdates: a real `fof-bot run` process (`python -m bot run`) against the
fake Bot API on 127.0.0.1: once on a new database (migrating it), then three times on that
database; the baseline is a bare interpreter start (`python -c pass`)."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.mailsink import free_port
from tests.bench.common import Figure, not_measured
from tests.fake_bot_api import FakeBotApi

RUNS = 5
TIME_CAP = 20.0  # seconds per start
TOKEN = "123456789:AAH-bench-token"


def _environment(folder: Path, api_url: str, run: int) -> dict[str, str]:
    kept = {name: os.environ[name] for name in ("PYTHONPATH",) if name in os.environ}
    return {**kept,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FOF_TELEGRAM_TOKEN": TOKEN, "FOF_TELEGRAM_API_URL": api_url,
        "FOF_DATABASE_URL": f"sqlite:///{folder / 'run.db'}",
        "FOF_SMTP_HOST": "127.0.0.1", "FOF_SMTP_PORT": str(free_port()), "FOF_SMTP_TLS": "none",
        "FOF_MAIL_FROM": "bot@localhost", "FOF_ADMIN_IDS": "42",
        "FOF_TIMEZONE": "Europe/Brussels",
    }


def _one_start(folder: Path, run: int) -> float | None:
    with FakeBotApi() as api:
        api.server.handle_error = lambda *args: None  # the long poll cut short by SIGTERM
        log = (folder / f"run{run}.log").open("w")
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=folder,
                                   env=_environment(folder, api.url, run), stdout=log,
                                   stderr=subprocess.STDOUT)
        seen = None
        try:
            while time.perf_counter() - start < TIME_CAP and process.poll() is None:
                if "getUpdates" in api.methods():
                    seen = time.perf_counter() - start
                    break
                time.sleep(0.005)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    return seen


def _bare_interpreter() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


async def measure(folder: Path) -> list[Figure]:
    first = _one_start(folder, 0)  # creates and migrates the database
    starts = [s for run in range(1, RUNS + 1) if (s := _one_start(folder, run)) is not None]
    name = f"start to first getUpdates (fof-bot run, migrated database, median of {RUNS})"
    if not starts:
        return [not_measured(name, "< 1 s", f"no getUpdates within {TIME_CAP:.0f} s; see the "
                                            "run log")]
    value = statistics.median(starts)
    bare = statistics.median(_bare_interpreter() for _ in range(RUNS))
    return [Figure(name, value, "s", "< 1 s", baseline=bare, ratio=value / bare,
                   met=value < 1,
                   note="baseline: a bare python start; the first start, migrating a new "
                        "database: " + (f"{first:.2f} s" if first else "no getUpdates"))]
