"""Digest figures: N recipients after an N-member contact import, from the start of the digest
to the last message at an aiosmtpd sink on 127.0.0.1; size, peak memory, and throughput against
a bare aiosmtplib client sending the same messages over one connection to the same sink."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from pathlib import Path

import aiosmtplib

from bot.clock import FixedClock
from bot.mail.delivery import deliver_due
from bot.mail.digest import build_digests
from bot.services import open_services
from tests.bench.common import (
    NOW,
    SHARED,
    Figure,
    bench_settings,
    import_contacts,
    max_rss_mb,
    not_measured,
    rss_mb,
)
from tests.bench.sink import CountingSink

TIME_CAP = 150.0  # seconds for one digest run; past it the run is abandoned and reported
KEEP_BYTES = 80_000_000  # raw messages kept at the sink for the bare-client baseline


class DigestRun:
    def __init__(self, n: int) -> None:
        self.n = n
        self.seconds: float | None = None
        self.messages = 0
        self.bytes = 0
        self.peak_mb = 0.0
        self.rss_delta_mb = 0.0
        self.kept: list[bytes] = []
        self.problem = ""


async def _digest(folder: Path, sink: CountingSink, n: int, *, trace: bool) -> DigestRun:
    run = DigestRun(n)
    settings = bench_settings(folder, sink.port, f"digest{n}")
    async with open_services(settings, FixedClock(NOW)) as services:
        await import_contacts(services, n)
        sink.reset(KEEP_BYTES)
        rss_before = rss_mb()
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        try:
            async with asyncio.timeout(TIME_CAP):
                await build_digests(services, NOW)
                while sink.count < n:
                    report = await deliver_due(services, NOW)
                    if report.attempted == 0:
                        break
        except TimeoutError:
            run.problem = f"stopped at its {TIME_CAP:.0f} s cap after {sink.count} messages"
        end = sink.last_at if sink.count else time.perf_counter()
        if trace:
            run.peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        run.rss_delta_mb = max(0.0, max_rss_mb() - rss_before)
        run.messages, run.bytes, run.kept = sink.count, sink.bytes, sink.kept
        if not run.problem and sink.count < n:
            run.problem = f"only {sink.count} of {n} messages reached the sink"
        run.seconds = end - start if not run.problem else None
    if n == 2000:
        SHARED["contacts2000"] = folder / f"digest{n}.db"
    return run


async def _bare_client(sink: CountingSink, messages: list[bytes]) -> float:
    """The same raw messages sent over one aiosmtplib connection to the same sink; seconds."""
    sink.reset(0)
    start = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port) as client:
        for n, raw in enumerate(messages):
            await client.sendmail("secretariat@gfmd.example", [f"bench{n}@bench.example"], raw)
    assert sink.count == len(messages)
    return time.perf_counter() - start


async def measure(folder: Path) -> list[Figure]:
    with CountingSink() as sink:
        small = await _digest(folder, sink, 200, trace=False)
        large = await _digest(folder, sink, 2000, trace=False)
        figures = [_seconds(small, None), _seconds(large, small), _size(large),
                   _memory(large)]
        sample = large if large.seconds and len(large.kept) == large.messages else small
        if sample.seconds and sample.kept:
            bare = await _bare_client(sink, sample.kept)
            figures.append(Figure(
                f"digest throughput at {sample.n} vs bare aiosmtplib (one connection)",
                sample.n / sample.seconds, "msg/s", ">= 0.7x", baseline=len(sample.kept) / bare,
                ratio=bare / sample.seconds, met=bare / sample.seconds >= 0.7))
        else:
            figures.append(not_measured("digest throughput vs bare aiosmtplib", ">= 0.7x",
                                        "no complete digest run to compare"))
    return figures


def _seconds(run: DigestRun, small: DigestRun | None) -> Figure:
    name = f"digest to {run.n:,} recipients, start to last message at the sink"
    if run.seconds is None:
        return not_measured(name, "< 10 s", run.problem)
    if small is None or small.seconds is None:
        return Figure(name, run.seconds, "s", "none (the baseline of the 2,000 run)", met=None)
    ratio = run.seconds / small.seconds
    return Figure(name, run.seconds, "s", f"< 10 s and <= 12x the {small.n} run",
                  baseline=small.seconds, ratio=ratio, met=run.seconds < 10 and ratio <= 12)


def _size(run: DigestRun) -> Figure:
    name = f"average digest size at {run.n:,}"
    if not run.messages:
        return not_measured(name, "< 50 KB", run.problem)
    average = run.bytes / run.messages / 1000
    return Figure(name, average, "KB", "< 50 KB", met=average < 50)


def _memory(run: DigestRun) -> Figure:
    name = f"peak memory of the {run.n:,} digest run (peak RSS over RSS at its start)"
    return Figure(name, run.rss_delta_mb, "MB", "< 200 MB", met=run.rss_delta_mb < 200,
                  note=f"an upper bound: the import before it may have set the peak; "
                       f"process peak RSS {max_rss_mb():.0f} MB"
                       + (f"; {run.problem}" if run.problem else ""))
