"""`fof-bot run` that cannot start says why in one line naming the variable, exit status 2,
never a traceback and never a secret. Each case runs the real program as a process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.mailsink import free_port
from tests.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAH-secret-token-that-must-never-be-logged"
SMTP_PASSWORD = "smtp-password-never-shown"
DB_PASSWORD = "db-password-never-shown"


def run_bot(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FOF_TELEGRAM_TOKEN": TOKEN,
        "FOF_DATABASE_URL": f"sqlite:///{tmp_path / 'fof.db'}",
        "FOF_SMTP_USERNAME": "relay-user",
        "FOF_SMTP_PASSWORD": SMTP_PASSWORD,
        **variables,
    }
    return subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess[str], variable: str) -> str:
    """The single stderr line; checks the exit status and that no secret leaked."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    assert lines[0].startswith(f"configuration error: {variable}"), lines[0]
    for secret in (TOKEN, TOKEN.split(":")[1], SMTP_PASSWORD, DB_PASSWORD):
        assert secret not in result.stderr
    return lines[0]


def test_a_token_telegram_rejects(tmp_path):
    with FakeBotApi(reject_token=True) as api:
        result = run_bot(tmp_path, FOF_TELEGRAM_API_URL=api.url)
    assert api.methods() == ["getMe"]  # asked once, then stopped
    line = one_line(result, "FOF_TELEGRAM_TOKEN")
    assert "rejected" in line and "@BotFather" in line


def test_an_unreachable_bot_api_names_the_api_url_and_its_host(tmp_path):
    port = free_port()  # nothing listens there any more
    result = run_bot(tmp_path, FOF_TELEGRAM_API_URL=f"http://127.0.0.1:{port}")
    line = one_line(result, "FOF_TELEGRAM_API_URL")
    assert f"cannot reach the Bot API at 127.0.0.1:{port}" in line


def test_postgresql_without_its_driver_names_the_package(tmp_path):
    # asyncpg is a dependency, so hide it: a package of that name that cannot be imported,
    # first on the path, as on a machine where it is missing
    shim = tmp_path / "no-driver" / "asyncpg"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'asyncpg'\", name='asyncpg')\n")
    url = f"postgresql://fof:{DB_PASSWORD}@127.0.0.1:{free_port()}/fof"
    result = run_bot(tmp_path, FOF_DATABASE_URL=url, PYTHONPATH=str(shim.parent))
    line = one_line(result, "FOF_DATABASE_URL")
    assert "asyncpg" in line and "not installed" in line


def test_a_sqlite_path_under_a_file_names_the_folder(tmp_path):
    # a regular file where the folder should be: unwritable even for root
    (tmp_path / "file.txt").write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'file.txt' / 'db.sqlite'}"
    line = one_line(run_bot(tmp_path, FOF_DATABASE_URL=url), "FOF_DATABASE_URL")
    assert str(tmp_path / "file.txt") in line and "is not a folder" in line


@pytest.fixture
def fof_bot(monkeypatch, tmp_path, capsys):
    """`fof-bot ARGS` in this process (faster than a new one): (exit status, stdout, stderr)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.chdir(tmp_path)  # no .env of the developer's

    def call(*argv: str, **variables: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("FOF_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("FOF_SMTP_PASSWORD", SMTP_PASSWORD)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        try:
            status = main(list(argv))
        except SystemExit as stop:
            status = stop.code
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(argv, status, captured.out, captured.err)

    yield call
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_a_sqlite_path_in_a_missing_folder_names_the_folder(tmp_path, fof_bot):
    url = f"sqlite:///{tmp_path / 'nowhere' / 'db.sqlite'}"
    line = one_line(fof_bot("run", FOF_DATABASE_URL=url), "FOF_DATABASE_URL")
    assert f"the folder {tmp_path / 'nowhere'}" in line and "does not exist" in line
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_a_sqlite_path_in_a_read_only_folder_names_the_folder(tmp_path, fof_bot):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        url = f"sqlite:///{folder / 'db.sqlite'}"
        line = one_line(fof_bot("run", FOF_DATABASE_URL=url), "FOF_DATABASE_URL")
    finally:
        folder.chmod(0o755)
    assert str(folder) in line and "cannot be written" in line


def test_a_file_that_is_not_a_database(tmp_path, fof_bot):
    notes = tmp_path / "notes.db"
    notes.write_text("these are my notes, not a database\n" * 50)
    line = one_line(fof_bot("run", FOF_DATABASE_URL=f"sqlite:///{notes}"), "FOF_DATABASE_URL")
    assert "file is not a database" in line
    assert notes.read_text().startswith("these are my notes")  # left as it was


@pytest.mark.parametrize("command", [["db", "upgrade"], ["outbox"], ["digest", "--dry-run"]])
def test_other_commands_report_the_database_the_same_way(tmp_path, fof_bot, command):
    url = f"sqlite:///{tmp_path / 'file.txt' / 'db.sqlite'}"
    (tmp_path / "file.txt").write_text("")
    one_line(fof_bot(*command, FOF_DATABASE_URL=url), "FOF_DATABASE_URL")


def test_a_token_of_the_wrong_shape_is_refused_before_any_call(tmp_path, fof_bot):
    with FakeBotApi() as api:
        result = fof_bot("run", FOF_TELEGRAM_API_URL=api.url,
                         FOF_TELEGRAM_TOKEN="123456789:AAH/../secret",
                         FOF_DATABASE_URL=f"sqlite:///{tmp_path / 'fof.db'}")
    assert api.paths == []
    line = one_line(result, "FOF_TELEGRAM_TOKEN")
    assert "does not look like a bot token" in line and "secret" not in line


def test_a_server_that_is_no_bot_api_names_the_api_url(tmp_path, fof_bot):
    with FakeBotApi(not_an_api=True) as api:
        result = fof_bot("run", FOF_TELEGRAM_API_URL=api.url,
                         FOF_DATABASE_URL=f"sqlite:///{tmp_path / 'fof.db'}")
    line = one_line(result, "FOF_TELEGRAM_API_URL")  # PTB's logged traceback is kept out
    host = api.url.removeprefix("http://")
    assert line.endswith(f"{host} did not answer as a Bot API server (Not Found (404))")


def test_the_start_leaves_out_what_is_not_needed_before_taking_updates():
    # what `fof-bot run` imports before it polls: not httpx's command-line client (click), and
    # not the scheduler's jobs nor the SMTP client, which are loaded once updates are taken
    script = ("import sys; from bot.entry import skip_unused_imports; skip_unused_imports(); "
              "import bot.cli, bot.runner, httpx; print(sorted({'click', 'pygments', "
              "'aiosmtplib', 'bot.scheduling', 'bot.mail.delivery', 'telegram'} "
              "& set(sys.modules)))")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).parent.parent)
    assert found.stdout.strip() == "['telegram']", found.stderr


async def test_both_bot_api_connections_share_the_prepared_tls_context(services):
    # `fof-bot run` builds the context in a thread (bot.tls) while it imports the runner; the
    # Application's two requests (sending, long polling) both use that one context, which
    # still verifies the server's certificate and name
    import ssl

    from bot import tls
    from bot.app import build_application

    tls.prepare()
    prepared = tls.context()
    requests = build_application(services).bot._request  # (long polling, sending)
    assert len({id(request) for request in requests}) == 2
    contexts = {id(request._client._transport._pool._ssl_context) for request in requests}
    assert contexts == {id(prepared)}
    assert prepared.verify_mode == ssl.CERT_REQUIRED and prepared.check_hostname
