import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings
from bot.cron import cron_trigger


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("FOF_SMTP_PORT", "twenty-five", "FOF_SMTP_PORT must be a whole number"),
        ("FOF_ADMIN_IDS", "123,@alice", "FOF_ADMIN_IDS '@alice' is not a numeric"),
        ("FOF_TIMEZONE", "Europe/Brusels", "FOF_TIMEZONE 'Europe/Brusels' is not an IANA"),
        ("FOF_DIGEST_SCHEDULE", "0 7 * mon", "FOF_DIGEST_SCHEDULE '0 7 * mon' is not a crontab"),
        ("FOF_DIGEST_SCHEDULE", "0 25 * * mon", "FOF_DIGEST_SCHEDULE '0 25 * * mon' is not a"),
        ("FOF_DATABASE_URL", "mysql://x/y", "FOF_DATABASE_URL must start with sqlite"),
        ("FOF_TELEGRAM_API_URL", "api.telegram.org", "FOF_TELEGRAM_API_URL must be an http(s)"),
        ("FOF_SMTP_TLS", "ssl", "FOF_SMTP_TLS must be 'none', 'starttls' or 'tls'"),
        ("FOF_MAIL_FROM", "secretariat", "FOF_MAIL_FROM is not an email address"),
        ("FOF_REMINDER_DAYS", "7,x", "FOF_REMINDER_DAYS"),
    ],
)
def test_invalid_value_names_the_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_defaults_and_lists(monkeypatch):
    monkeypatch.setenv("FOF_ADMIN_IDS", "12, 34")
    monkeypatch.setenv("FOF_REMINDER_DAYS", "1,7,7")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == [12, 34]
    assert settings.reminder_days == [7, 1]
    assert settings.async_database_url == "sqlite+aiosqlite:///fof.db"
    assert settings.smtp_tls == "starttls"
    assert settings.digest_schedule == "0 7 * * mon"


def test_postgres_url_gets_async_driver(monkeypatch):
    monkeypatch.setenv("FOF_DATABASE_URL", "postgresql://fof:p%40ss@db.internal/fof")
    settings = load_settings(_env_file=None)
    assert settings.async_database_url == "postgresql+asyncpg://fof:p%40ss@db.internal/fof"


def test_dotenv_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("FOF_TIMEZONE=Asia/Manila\nFOF_SMTP_PORT=2525\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.timezone, settings.smtp_port) == ("Asia/Manila", 2525)


@pytest.mark.parametrize(
    ("line", "weekday"),
    [("0 7 * * 1", 0), ("0 7 * * mon", 0), ("0 7 * * 0", 6), ("0 7 * * 7", 6), ("0 7 * * 5", 4)],
)
def test_crontab_day_of_week_has_cron_meaning(line, weekday):
    from datetime import UTC, datetime

    trigger = cron_trigger(line, UTC)
    fire = trigger.get_next_fire_time(None, datetime(2007, 7, 2, 8, 0, tzinfo=UTC))  # a Monday
    assert fire.weekday() == weekday and fire.hour == 7


def test_crontab_range_counts_from_monday():
    from datetime import UTC, datetime, timedelta

    trigger = cron_trigger("30 6 * * 1-5", UTC)
    moment = datetime(2007, 7, 1, 0, 0, tzinfo=UTC)  # a Sunday
    days = []
    for _ in range(7):
        moment = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        days.append(moment.strftime("%a"))
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]


def test_run_without_token_exits_2_naming_the_variable(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "FOF_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "FOF_TELEGRAM_TOKEN" in lines[0]
