"""Webhook mode through a real uvicorn server on 127.0.0.1 with the real Application: updates
with and without Telegram's secret token, /healthz over the socket, `fof-bot run --webhook`
from start to SIGTERM, and the checks on the command line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket

import httpx
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr

from bot import runner
from bot.app import build_application
from bot.cli import main
from bot.config import ConfigError
from bot.http.server import HttpFront, http_front
from bot.http.webhook import DEFAULT_PORT, SECRET_HEADER, Webhook, webhook_options
from bot.offline import OfflineRequest, UpdateFactory
from bot.scheduling import Background
from tests.fixtures_bot import ANA, data_fixture  # noqa: F401

SECRET = "s3cret-token_for-the-test"
WAIT = 10.0  # seconds: an upper bound for the server to answer, never a fixed sleep


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hook(port: int = 0) -> Webhook:
    return Webhook(url="https://bot.example.org/tg", path="/tg", listen="127.0.0.1", port=port,
                   secret=SECRET)


async def until(condition, what: str) -> None:
    async with asyncio.timeout(WAIT):
        while not await condition():
            await asyncio.sleep(0.02)


@pytest.fixture
async def scheduler_background():
    scheduler = AsyncIOScheduler()
    scheduler.start()
    yield Background(scheduler)
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)


async def test_updates_through_a_real_server(services, data, scheduler_background):
    request = OfflineRequest()
    application = build_application(services, request=request, rate_limit=False)
    updates = UpdateFactory(request)
    front = HttpFront(services, "127.0.0.1", 0, application=application, hook=hook())
    assert front.port > 0
    async with application:
        await application.start()
        await front.start(scheduler_background)
        try:
            async with httpx.AsyncClient(base_url=front.url) as client:
                for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                    answer = await client.post("/tg", json=updates.text(ANA, "/next"),
                                               headers=headers)
                    assert answer.status_code == 403
                answer = await client.post("/tg", json=updates.text(ANA, "/next"),
                                           headers={SECRET_HEADER: SECRET})
                assert answer.status_code == 200
                await application.update_queue.join()
                health = await client.get("/healthz")
        finally:
            await front.stop()
            await application.stop()
    replies = request.sent("sendMessage", chat_id=ANA["id"])
    assert len(replies) == 1  # the refused updates were never processed
    assert "Next: <b>#2</b> Steering group" in replies[0].text
    assert health.status_code == 200
    assert health.json()["database"] is True and health.json()["scheduler"] is True


async def test_fof_bot_run_webhook_until_sigterm(settings, data, monkeypatch, caplog):
    """`run` in webhook mode: setWebhook with the secret, the front answers, SIGTERM stops it
    all and leaves the webhook set."""
    request = OfflineRequest()
    monkeypatch.setattr(runner, "build_application",
                        lambda services, token: build_application(services, request=request,
                                                                  rate_limit=False))
    port = free_port()
    task = asyncio.create_task(runner.run(settings, "123456:offline", hook(port)))
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base) as client:
        async def serving() -> bool:
            if task.done():
                task.result()
            try:
                return (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await until(serving, "the front to answer")
        update = UpdateFactory(request).text(ANA, "/next")
        assert (await client.post("/tg", json=update)).status_code == 403
        answer = await client.post("/tg", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200

        async def replied() -> bool:
            return bool(request.sent("sendMessage", chat_id=ANA["id"]))

        await until(replied, "the reply")
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(WAIT):
        await task
    registered = request.sent("setWebhook")
    assert [c.params["url"] for c in registered] == ["https://bot.example.org/tg"]
    assert registered[0].params["secret_token"] == SECRET
    assert request.sent("deleteWebhook") == [] and request.sent("getUpdates") == []
    assert SECRET not in caplog.text
    with pytest.raises(httpx.TransportError):
        async with httpx.AsyncClient(base_url=base) as client:
            await client.get("/healthz")


async def test_the_front_runs_in_polling_mode_when_the_port_is_set(services):
    assert http_front(services) is None  # no FOF_HTTP_PORT, no webhook: no front
    port = free_port()
    with_port = services.__class__(services.settings.model_copy(update={"http_port": port}),
                                   services.clock, services.engine, services.sessions)
    front = http_front(with_port)
    assert front is not None and front.port == port
    await front.start(None)
    try:
        async with httpx.AsyncClient(base_url=front.url) as client:
            answer = await client.get("/healthz")
            assert (await client.post("/tg", json={})).status_code == 404
    finally:
        await front.stop()
    assert answer.status_code == 503 and answer.json()["scheduler"] is False


def test_a_port_in_use_is_one_clear_error(services):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            HttpFront(services, "127.0.0.1", port)


def test_webhook_options(settings):
    assert webhook_options(settings, None, None, None) is None
    made = webhook_options(settings, "https://bot.example.org/hook/x", None, None)
    assert (made.path, made.listen, made.port) == ("/hook/x", "127.0.0.1", DEFAULT_PORT)
    assert len(made.secret) >= 32
    assert made.secret != webhook_options(settings, "https://b.example.org/", None, None).secret
    assert made.secret not in repr(made)
    fixed = settings.model_copy(update={"webhook_secret": SecretStr("fixed_secret"),
                                        "http_port": 9000})
    made = webhook_options(fixed, "https://b.example.org", "0.0.0.0", None)
    assert (made.secret, made.path, made.listen, made.port) == ("fixed_secret", "/",
                                                                 "0.0.0.0", 9000)
    assert webhook_options(fixed, "https://b.example.org/t", None, 8444).port == 8444
    for url, message in (("http://bot.example.org/hook", "https URL"),
                         ("bot.example.org/hook", "https URL"),
                         ("https://bot.example.org/healthz", "cannot use the path"),
                         ("https://bot.example.org/calendar.ics", "cannot use the path")):
        with pytest.raises(ConfigError, match=message):
            webhook_options(settings, url, None, None)
    with pytest.raises(ConfigError, match="--listen and --port go with --webhook"):
        webhook_options(settings, None, None, 8443)
    with pytest.raises(ConfigError, match="--port must be"):
        webhook_options(settings, "https://b.example.org/t", None, 70000)


def test_run_with_a_plain_http_webhook_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOF_TELEGRAM_TOKEN", "123456:abc")
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--webhook", "http://bot.example.org/tg"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--webhook must be the public https URL" in error


def test_a_bad_webhook_secret_is_a_config_error(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOF_WEBHOOK_SECRET", "has spaces")
    with pytest.raises(SystemExit) as stopped:
        main(["outbox"])
    assert stopped.value.code == 2
    assert "FOF_WEBHOOK_SECRET must be 1 to 256 characters" in capsys.readouterr().err


def test_fof_bot_run_webhook_as_a_real_process(tmp_path):
    """The command line end to end: flags, setWebhook on the configured API, the front on
    --listen:--port, 403 and 200, SIGTERM, and no secret in the output."""
    import subprocess
    import sys
    import time

    from tests.fake_bot_api import FakeBotApi

    token = "123456789:AAH-webhook-test-token-never-logged"
    port = free_port()
    log = tmp_path / "run.log"  # a file, not a pipe: DEBUG output would fill a pipe
    with FakeBotApi() as api, log.open("w") as out:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FOF_TELEGRAM_TOKEN": token,
               "FOF_TELEGRAM_API_URL": api.url, "FOF_LOG_LEVEL": "DEBUG",
               "FOF_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
               "FOF_WEBHOOK_SECRET": SECRET}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--webhook", "https://bot.example.org/tg",
             "--listen", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        answers = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and process.poll() is None:
                    try:
                        answers.append(client.get("/healthz").status_code)
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                update = UpdateFactory(OfflineRequest()).text(ANA, "/start")
                answers.append(client.post("/tg", json=update).status_code)
                answers.append(client.post("/tg", json=update,
                                           headers={SECRET_HEADER: SECRET}).status_code)
                deadline = time.monotonic() + 30
                while "sendMessage" not in api.methods() and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    output = log.read_text()
    assert answers == [200, 403, 200], output
    assert process.returncode == 0, output
    methods = api.methods()
    assert "setWebhook" in methods and "sendMessage" in methods, methods
    assert "getUpdates" not in methods and "deleteWebhook" not in methods
    assert SECRET not in output and token.split(":")[1] not in output
    assert "webhook set: Telegram posts updates to https://bot.example.org/tg" in output


async def test_a_webhook_url_telegram_refuses_is_one_clear_error(settings, monkeypatch):
    from bot.offline import Fault

    request = OfflineRequest()
    request.fail("setWebhook", Fault(400, "Bad Request: bad webhook: Failed to resolve host"))
    monkeypatch.setattr(runner, "build_application",
                        lambda services, token: build_application(services, request=request,
                                                                  rate_limit=False))
    fronts = []

    def made(*args, **kwargs):  # the process would exit; the test closes the bound socket
        fronts.append(http_front(*args, **kwargs))
        return fronts[-1]

    monkeypatch.setattr(runner, "http_front", made)
    with pytest.raises(ConfigError, match="Telegram refused the webhook URL https://bot.exa"
                                          "mple.org/tg: Bad webhook: failed to resolve host"):
        await runner.run(settings, "123456:offline", hook(free_port()))
    await fronts[0].stop()
    assert request.sent("getUpdates") == [] and request.sent("setMyCommands") == []
