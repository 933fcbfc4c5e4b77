"""`fof-bot run` as a real process against a fake Bot API on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import time

from bot.mailsink import free_port
from tests.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAH-secret-token-that-must-never-be-logged"


def test_run_polls_the_configured_api_stops_on_sigterm_and_never_logs_the_token(tmp_path):
    smtp_port = free_port()  # no mail server there: a warning, and the bot still runs
    with FakeBotApi() as api:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "FOF_TELEGRAM_TOKEN": TOKEN,
            "FOF_TELEGRAM_API_URL": api.url,
            "FOF_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "FOF_LOG_LEVEL": "DEBUG",
            "FOF_SMTP_HOST": "127.0.0.1",
            "FOF_SMTP_PORT": str(smtp_port),
            "FOF_SMTP_TLS": "none",
            "FOF_SMTP_USERNAME": "relay-user",
            "FOF_SMTP_PASSWORD": "smtp-password-never-logged",
            "FOF_MAIL_FROM": "bot@localhost",  # a reserved name, as internal relays use
            "FOF_ADMIN_IDS": "42",
            "FOF_TIMEZONE": "Europe/Brussels",
        }
        log = (tmp_path / "run.log").open("w")  # not a pipe: DEBUG output would fill it
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 60
        # polling, and the menus set in the background: everyone's and the administrator's
        # chat, in three languages each
        while ("getUpdates" not in api.methods() or api.methods().count("setMyCommands") < 6) \
                and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
        output = (tmp_path / "run.log").read_text()
    assert "getUpdates" in api.methods(), output
    assert api.methods().count("setMyCommands") == 6, output
    assert all(f"/bot{TOKEN}/" in path for path in api.paths)  # the token went to the API only
    assert process.returncode == 0, output
    assert "DEBUG" in output and "stopping" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "smtp-password-never-logged" not in output

    [settings] = [line for line in output.splitlines() if "settings: " in line]
    assert f"database sqlite:///{tmp_path / 'run.db'};" in settings
    assert f"mail server 127.0.0.1:{smtp_port} none as relay-user, from bot@localhost" in settings
    assert "1 administrator(s)" in settings
    assert "digest '0 7 * * mon' in Europe/Brussels, next Mon " in settings
    assert " INFO " in settings
    [warning] = [line for line in output.splitlines() if "mail server" in line
                 and " WARNING " in line]
    assert f"cannot reach mail server 127.0.0.1:{smtp_port}: connection refused" in warning
    assert output.index("settings: ") < output.index("is running")
    assert output.index("settings: ") < output.index("cannot reach mail server")

def test_run_flags_reach_the_runner_and_its_status_is_the_exit_status(monkeypatch):
    import bot.runner
    from bot.cli import main

    seen = {}

    async def fake_run(settings, token, hook=None, *, worker=False, migrate=True) -> int:
        seen.update(token=token, worker=worker, migrate=migrate)
        return 2  # as after a 409 Conflict

    monkeypatch.setattr(bot.runner, "run", fake_run)
    monkeypatch.setenv("FOF_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("FOF_DATABASE_URL", "sqlite:///unused.db")
    assert main(["run", "--worker", "--no-migrate"]) == 2
    assert seen == {"token": TOKEN, "worker": True, "migrate": False}
    assert main(["run"]) == 2 and seen["worker"] is False and seen["migrate"] is True


def test_db_upgrade_migrates_under_the_start_up_lock(tmp_path, monkeypatch):
    from bot.cli import main
    from storage.startup import lock_path

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("FOF_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert lock_path(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}").exists()
    import sqlite3

    with sqlite3.connect(tmp_path / "fresh.db") as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(outboxmessage)")}
    assert "claimed_by" in columns  # migrated to the head


def test_run_no_migrate_on_a_database_never_migrated_says_so_in_one_line(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FOF_TELEGRAM_TOKEN": TOKEN,
           "FOF_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--worker", "--no-migrate"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "fof-bot run: the database is not migrated (revision none, newest "
        + done.stderr.split("newest ")[1].split(")")[0]
        + "): run `fof-bot db upgrade` first, or start without --no-migrate"]


async def test_menus_telegram_refuses_cost_one_warning_and_nothing_else(bot, caplog):
    """The menus are set in the background once the bot runs: a refusal is logged, not
    raised (it would otherwise surface at the stop and break it)."""
    from bot import runner
    from bot.offline import Fault

    bot.request.fail("setMyCommands", Fault(400, "Bad Request: too many commands"))
    await runner._set_menus(bot.app)
    [warning] = [r for r in caplog.records if "could not set the command menus" in r.message]
    assert warning.levelname == "WARNING" and "Too many commands" in caplog.text
