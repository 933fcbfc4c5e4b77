"""Outbox bookkeeping: the full worker (`deliver_due`: claim, send, record every row) against
the sender alone (`send_batch` with the same reused connections), and the naive baseline of one
SMTP connection per message, all to the same aiosmtpd sink on 127.0.0.1."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import aiosmtplib

from bot.clock import FixedClock
from bot.mail.delivery import deliver_due
from bot.mail.mime import compose
from bot.mail.smtp import send_batch
from bot.services import open_services
from storage import outbox
from storage.outbox import OutboxRow
from tests.bench.common import NOW, Figure, bench_settings
from tests.bench.sink import CountingSink

N = 300
ROUNDS = 5
TIME_CAP = 60.0  # seconds per measurement


async def _one_connection_each(settings, bodies: list[str]) -> float:
    start = time.perf_counter()
    for body in bodies:
        await aiosmtplib.send(body, sender=settings.mail_from, recipients=["bench@example.org"],
                              hostname=settings.smtp_host, port=settings.smtp_port)
        if time.perf_counter() - start > TIME_CAP:
            raise SystemExit("baseline exceeded its time cap")
    return time.perf_counter() - start


async def _sender_alone(settings, bodies: list[str]) -> float:
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


async def _worker(services, bodies: list[str], round_: int) -> float:
    async with services.sessions.begin() as session:
        for number, body in enumerate(bodies):
            await outbox.enqueue(session, key=f"bench:{round_}:{number}",
                                 recipient="bench@example.org", kind="bench", body=body, now=NOW)
    start = time.perf_counter()
    report = await asyncio.wait_for(deliver_due(services, NOW), TIME_CAP)
    elapsed = time.perf_counter() - start
    assert report.sent == len(bodies), report
    return elapsed


async def measure(folder: Path) -> list[Figure]:
    with CountingSink() as sink:
        settings = bench_settings(folder, sink.port, "outbox")
        bodies = [
            compose(settings, key=f"bench:{n}", to_address="bench@example.org",
                    to_name="Bench", subject=f"Message {n}", text="x" * 2000,
                    html="<p>" + "x" * 2000 + "</p>", now=NOW).as_string()
            for n in range(N)
        ]
        async with open_services(settings, FixedClock(NOW)) as services:
            naive = await _one_connection_each(settings, bodies)
            # each side takes about 0.6 s: one pause of the shared machine would move a single
            # pair's ratio, so the two alternate ROUNDS times and the medians are compared
            alones, workers = [], []
            for round_ in range(ROUNDS):
                alones.append(await _sender_alone(settings, bodies))
                workers.append(await _worker(services, bodies, round_))
        assert sink.count == (1 + 2 * ROUNDS) * N, sink.count
    alone, worker = statistics.median(alones), statistics.median(workers)
    per_message = (worker - alone) / N * 1000
    return [
        Figure(f"outbox: full worker vs the sender alone, {N} messages (median of {ROUNDS})",
               N / worker, "msg/s",
               ">= 0.8x", baseline=N / alone, ratio=alone / worker, met=alone / worker >= 0.8,
               note=f"bookkeeping {per_message:.2f} ms per message"),
        Figure("outbox: sender alone (reused connections) vs one connection per message",
               N / alone, "msg/s", "none (information)", baseline=N / naive, ratio=naive / alone,
               met=None),
    ]
