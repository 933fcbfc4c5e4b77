"""`fof-bot run` as a real process against a fake Bot API on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import time

from tests.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAH-secret-token-that-must-never-be-logged"


def test_run_polls_the_configured_api_stops_on_sigterm_and_never_logs_the_token(tmp_path):
    with FakeBotApi() as api:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "FOF_TELEGRAM_TOKEN": TOKEN,
            "FOF_TELEGRAM_API_URL": api.url,
            "FOF_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "FOF_LOG_LEVEL": "DEBUG",
            "FOF_SMTP_PASSWORD": "smtp-password-never-logged",
            "FOF_ADMIN_IDS": "42",
        }
        log = (tmp_path / "run.log").open("w")  # not a pipe: DEBUG output would fill it
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 60
        while "getUpdates" not in api.methods() and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
        output = (tmp_path / "run.log").read_text()
    assert "getUpdates" in api.methods(), output
    assert all(f"/bot{TOKEN}/" in path for path in api.paths)  # the token went to the API only
    assert process.returncode == 0, output
    assert "DEBUG" in output and "stopping" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "smtp-password-never-logged" not in output
