"""The HTTP front's routes through httpx.ASGITransport (no socket): /healthz with the database
up and down, and the webhook route's secret-token check."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import build_application
from bot.http.webhook import SECRET_HEADER, Webhook
from bot.offline import OfflineRequest, UpdateFactory
from bot.services import Services
from storage import db, outbox
from tests.conftest import DEMO_NOW
from tests.fixtures_bot import ANA
from tests.http_fixtures import client_fixture, front  # noqa: F401

SECRET = "the-webhook-secret_42"
HOOK = Webhook(url="https://bot.example.org/telegram/hook", path="/telegram/hook",
               listen="127.0.0.1", port=0, secret=SECRET)


def asgi(web) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://front")


async def test_healthz_when_all_is_well(client, services):
    answer = await client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": True, "scheduler": True,
                             "oldest_pending_mail_seconds": None}
    assert answer.headers["cache-control"] == "no-store"


async def test_healthz_reports_the_oldest_pending_mail(client, services, clock):
    async with services.sessions.begin() as session:
        for minutes, key in ((10, "a"), (3, "b")):
            await outbox.enqueue(session, key=f"test:{key}", recipient="x@example.org",
                                 kind="test", body="Subject: x\n\nx",
                                 now=DEMO_NOW - timedelta(minutes=minutes))
    answer = await client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["oldest_pending_mail_seconds"] == 600.0


async def test_healthz_is_503_when_the_scheduler_is_not_running(services):
    async with asgi(front(services, scheduler_running=lambda: False)) as client:
        answer = await client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unhealthy"
    assert answer.json()["scheduler"] is False
    assert answer.json()["database"] is True


async def test_healthz_is_503_when_the_database_is_down(services, tmp_path: Path, caplog):
    folder = tmp_path / "removed"
    folder.mkdir()
    gone = db.create_engine(f"sqlite+aiosqlite:///{folder / 'fof.db'}")
    folder.rmdir()  # the database's folder disappears after the engine was made
    down = dataclasses.replace(services, engine=gone, sessions=db.session_factory(gone))
    try:
        async with asgi(front(down)) as client:
            answer = await client.get("/healthz")
    finally:
        await gone.dispose()
    assert answer.status_code == 503
    assert answer.json() == {"status": "unhealthy", "database": False, "scheduler": True,
                             "oldest_pending_mail_seconds": None}
    assert "database cannot be reached" in caplog.text
    # ... and comes back when it is up again
    async with asgi(front(services)) as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_healthz_is_get_only(client):
    assert (await client.post("/healthz")).status_code == 405
    assert (await client.get("/nothing-here")).status_code == 404


@pytest.fixture
async def application(services: Services):
    """The real Application, not started: updates stay on its queue for the test to read."""
    app = build_application(services, request=OfflineRequest(), rate_limit=False)
    async with app:
        yield app


async def test_the_webhook_takes_only_updates_with_the_secret(application, services):
    update = UpdateFactory(OfflineRequest()).text(ANA, "/next")
    web = front(services, application=application, hook=HOOK)
    async with asgi(web) as client:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"},
                        {SECRET_HEADER: SECRET[:-1]}):
            answer = await client.post(HOOK.path, json=update, headers=headers)
            assert answer.status_code == 403, headers
        assert application.update_queue.qsize() == 0
        answer = await client.post(HOOK.path, json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200
        assert application.update_queue.qsize() == 1
        queued = application.update_queue.get_nowait()
        assert queued.update_id == update["update_id"]
        assert queued.message.text == "/next"
        # Garbage with the right secret is refused, and nothing is queued.
        for body in (b"{not json", b"[1, 2]", json.dumps({"message": 5}).encode()):
            answer = await client.post(HOOK.path, content=body,
                                       headers={SECRET_HEADER: SECRET})
            assert answer.status_code == 400, body
        assert application.update_queue.qsize() == 0
        assert (await client.get(HOOK.path)).status_code == 405


async def test_without_a_webhook_there_is_no_webhook_route(services):
    async with asgi(front(services)) as client:
        answer = await client.post(HOOK.path, json={"update_id": 1},
                                   headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 404
