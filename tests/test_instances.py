"""Real `fof-bot run` processes sharing one database (the heavy tests of several instances).

Two workers deliver 1,000 queued messages exactly once; one killed mid-batch loses none and the
other finishes its rows; instances started together on an empty database all come up; a 409
from getUpdates stops the poller with one line and exit status 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.mail.claims import BATCH
from bot.mail.mime import compose, to_wire
from storage import outbox
from storage.models import Admin, OutboxMessage, OutboxStatus
from tests.databases import BACKEND
from tests.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAH-secret-token-that-must-never-be-logged"
MESSAGES = 1000
LEASE_SECONDS = 2  # short, so that a killed instance's rows come back within seconds
postgres_only = pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="several processes delivering at once: PostgreSQL (FOF_TEST_PG_URL; make test)")


def _env(settings, api: FakeBotApi, database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FOF_TELEGRAM_TOKEN": TOKEN,
        "FOF_TELEGRAM_API_URL": api.url,
        "FOF_DATABASE_URL": database_url,
        "FOF_SMTP_HOST": "127.0.0.1",
        "FOF_SMTP_PORT": str(settings.smtp_port),
        "FOF_SMTP_TLS": "none",
        "FOF_MAIL_FROM": settings.mail_from,
        "FOF_ADMIN_IDS": "42,43",
        "FOF_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "FOF_LOG_LEVEL": "INFO",
    }


def _start(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen:
    """`fof-bot run ARGS` in `folder`, its output to folder/out.log (a pipe could fill up)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "out.log").open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=folder,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = folder / "out.log"  # type: ignore[attr-defined]
    return process


def _stop(*processes: subprocess.Popen) -> list[str]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return [process.log.read_text() for process in processes]  # type: ignore[attr-defined]


async def _queue(services, count: int) -> None:
    """`count` distinct messages (subject, key and Message-ID carry the number)."""
    now = services.clock.now()
    message = compose(services.settings, key="load:NNNN", to_address="readerNNNN@example.org",
                      to_name="Reader", subject="Message NNNN", text="Hello.",
                      html="<p>Hello.</p>", now=now)
    wire = to_wire(message)  # composed once: the number has the placeholder's length
    async with services.sessions.begin() as session:
        for number in range(count):
            n = f"{number:04d}"
            await outbox.enqueue(session, key=f"load:{n}", recipient=f"reader{n}@example.org",
                                 kind="test", body=wire.replace("NNNN", n),
                                 subject=f"Message {n}", now=now)


async def _counts(services, owner_pid: int | None = None) -> tuple[int, int]:
    """(rows sent, pending rows leased by the process `owner_pid`)."""
    async with services.sessions() as session:
        sent = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT))).one()
        held = 0
        if owner_pid is not None:
            held = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.claimed_by.contains(f":{owner_pid}:")))).one()
    return int(sent), int(held)


def _subjects(mail_sink) -> Counter:
    return Counter(str(message["Subject"]) for message in mail_sink.messages)


async def _wait_all_sent(services, processes, deadline: float) -> None:
    import asyncio

    while time.monotonic() < deadline:
        if (await _counts(services))[0] == MESSAGES:
            return
        if all(p.poll() is not None for p in processes):
            break
        await asyncio.sleep(0.2)


@postgres_only
async def test_two_workers_deliver_a_thousand_messages_exactly_once(
        services, settings, mail_sink, tmp_path):
    await _queue(services, MESSAGES)
    with FakeBotApi() as api:
        env = _env(settings, api, settings.database_url)
        workers = [_start(env, tmp_path / name, "--worker") for name in ("a", "b")]
        try:
            await _wait_all_sent(services, workers, time.monotonic() + 120)
        finally:
            outputs = _stop(*workers)
    assert (await _counts(services))[0] == MESSAGES, outputs
    subjects = _subjects(mail_sink)
    assert len(subjects) == MESSAGES and set(subjects.values()) == {1}  # each exactly once
    assert all(w.returncode == 0 for w in workers), outputs
    assert all("getUpdates" not in path for path in api.paths)  # workers take no updates
    assert all("delivery:" in out for out in outputs), outputs  # both took a share


@postgres_only
async def test_a_killed_worker_loses_nothing_and_the_other_finishes(
        services, settings, mail_sink, tmp_path):
    await _queue(services, MESSAGES)
    with FakeBotApi() as api:
        env = _env(settings, api, settings.database_url)
        victim, survivor = (_start(env, tmp_path / name, "--worker") for name in ("a", "b"))
        try:
            held = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and victim.poll() is None:
                sent, held = await _counts(services, victim.pid)
                if held and len(mail_sink.received) >= 100:
                    break
                await _sleep(0.02)
            victim.send_signal(signal.SIGKILL)  # mid-batch: it holds `held` leased rows
            killed_at = time.monotonic()
            await _wait_all_sent(services, [survivor], killed_at + 120)
            finished_in = time.monotonic() - killed_at
        finally:
            outputs = _stop(victim, survivor)
    assert held > 0, outputs  # it really died holding rows
    assert (await _counts(services))[0] == MESSAGES, outputs  # none lost
    assert finished_in < 120
    subjects = _subjects(mail_sink)
    assert len(subjects) == MESSAGES  # every message arrived
    resent = sum(n - 1 for n in subjects.values())
    assert resent <= BATCH  # at most the batch that was in flight
    assert victim.returncode == -signal.SIGKILL and survivor.returncode == 0, outputs


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_instances_started_together_on_an_empty_database_all_come_up(
        settings, empty_database_url, tmp_path, services):
    with FakeBotApi() as api:
        env = _env(settings, api, empty_database_url)
        started = [_start(env, tmp_path / name, "--worker") for name in ("a", "b", "c")]
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline and any(p.poll() is None for p in started):
                if api.methods().count("getMe") >= len(started):
                    break
                await _sleep(0.1)
        finally:  # SIGTERM after getMe: each has its signal handlers and finishes starting
            outputs = _stop(*started)
    assert [p.returncode for p in started] == [0, 0, 0], outputs
    assert all("worker for @" in out and "Traceback" not in out for out in outputs), outputs
    fresh = services.settings.model_copy(update={"database_url": empty_database_url,
                                                 "admin_ids": []})
    from bot.clock import FixedClock
    from bot.services import open_services

    async with open_services(fresh, FixedClock(services.now()), migrate=False) as opened:
        async with opened.sessions() as session:
            admins = (await session.exec(select(Admin.telegram_id))).all()
    assert sorted(admins) == [42, 43]  # the bootstrap ran once, under the lock


def test_a_second_poller_on_the_token_stops_with_one_line_and_status_2(settings, tmp_path):
    with FakeBotApi(conflict=True) as api:
        env = _env(settings, api, f"sqlite:///{tmp_path / 'run.db'}")
        process = _start(env, tmp_path / "poller")
        try:
            process.wait(timeout=60)
        finally:
            [output] = _stop(process)
    assert process.returncode == 2, output
    assert output.count("409 Conflict") == 1 and "Traceback" not in output, output
    assert "fof-bot run --worker" in output
    assert TOKEN.split(":")[1] not in output
