"""Benchmarks (`make bench`): figures and ratios against a baseline measured in the same run.

Delivery: the worker's reused SMTP connections (3 clients, each reused for its share of the
batch) against the naive baseline of one SMTP connection per message, both to a real aiosmtpd
server on 127.0.0.1. Bounded: N messages each, and a time cap.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib

from bot.clock import FixedClock
from bot.config import load_settings
from bot.mail.delivery import deliver_due
from bot.mail.mime import compose
from bot.mail.smtp import send_batch
from bot.mailsink import MailSink
from bot.services import open_services
from storage import outbox
from storage.outbox import OutboxRow

N = 300
TIME_CAP = 120.0  # seconds per measurement
NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)


async def _baseline(settings, bodies: list[str]) -> float:
    start = time.perf_counter()
    for body in bodies:
        await aiosmtplib.send(body, sender=settings.mail_from, recipients=["bench@example.org"],
                              hostname=settings.smtp_host, port=settings.smtp_port)
        if time.perf_counter() - start > TIME_CAP:
            raise SystemExit("baseline exceeded its time cap")
    return time.perf_counter() - start


async def _reused(settings, bodies: list[str]) -> float:
    rows = [OutboxRow(id=n, key=f"b{n}", channel="email", recipient="bench@example.org",
                      person_id=None, kind="bench", body=body, attempts=0, created_at=NOW)
            for n, body in enumerate(bodies)]
    sent = 0

    async def count(row, result) -> None:
        nonlocal sent
        sent += result.outcome == "sent"

    start = time.perf_counter()
    await asyncio.wait_for(send_batch(settings, rows, on_result=count), TIME_CAP)
    assert sent == len(bodies)
    return time.perf_counter() - start


async def _worker(services, bodies: list[str]) -> float:
    async with services.sessions.begin() as session:
        for number, body in enumerate(bodies):
            await outbox.enqueue(session, key=f"bench:{number}", recipient="bench@example.org",
                                 kind="bench", body=body, now=NOW)
    start = time.perf_counter()
    report = await asyncio.wait_for(deliver_due(services, NOW), TIME_CAP)
    elapsed = time.perf_counter() - start
    assert report.sent == len(bodies), report
    return elapsed


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="fof-bench-"))
    try:
        with MailSink() as sink:
            settings = load_settings(
                _env_file=None, database_url=f"sqlite:///{folder / 'bench.db'}",
                smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="none",
                mail_from="secretariat@gfmd.example",
            )
            bodies = [
                compose(settings, key=f"bench:{n}", to_address="bench@example.org",
                        to_name="Bench", subject=f"Message {n}", text="x" * 2000,
                        html="<p>" + "x" * 2000 + "</p>", now=NOW).as_string()
                for n in range(N)
            ]
            async with open_services(settings, FixedClock(NOW)) as services:
                baseline = await _baseline(settings, bodies)
                reused = await _reused(settings, bodies)
                worker = await _worker(services, bodies)
            assert len(sink.received) == 3 * N
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"delivery of {N} messages to aiosmtpd on 127.0.0.1")
    print(f"  baseline, one connection per message: {baseline:6.2f} s  {N / baseline:7.1f} msg/s")
    print(f"  sender only, 3 reused connections:    {reused:6.2f} s  {N / reused:7.1f} msg/s")
    print(f"  worker (outbox, 3 reused connections): {worker:6.2f} s  {N / worker:7.1f} msg/s"
          "  (includes claiming and recording every row in SQLite)")
    print(f"  ratio reused-connections/baseline throughput: {baseline / reused:.2f}x")
    print(f"  ratio worker/baseline throughput: {baseline / worker:.2f}x"
          f"  (outbox bookkeeping: {(worker - reused) / N * 1000:.2f} ms per message)")


if __name__ == "__main__":
    asyncio.run(main())
