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
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 60
        while "getUpdates" not in api.methods() and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert "getUpdates" in api.methods(), output
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
