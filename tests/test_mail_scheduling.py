"""The scheduler: the digest's fire times, catch-up after downtime, start and stop."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.cron import cron_trigger
from bot.digest_runs import daily_schedule
from bot.scheduling import (
    DIGEST_JOB,
    DIGEST_TICK,
    catch_up,
    last_fire_time,
    run_digest,
    start_background,
)
from storage.models import ScheduledRun
from storage.runs import FIRST_START
from tests.mail_fixtures import EMAILS, rows, seed

BRUSSELS = ZoneInfo("Europe/Brussels")


def test_default_schedule_fires_monday_0700_in_the_configured_zone(settings):
    assert settings.digest_schedule == "0 7 * * mon"
    trigger = cron_trigger(settings.digest_schedule, settings.tz)
    moment = datetime(2007, 7, 2, 7, 1, tzinfo=UTC)  # Monday 09:01 in Brussels
    fires = []
    for _ in range(3):
        moment = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        fires.append(moment)
    assert [f.astimezone(BRUSSELS) for f in fires] == [
        datetime(2007, 7, d, 7, 0, tzinfo=BRUSSELS) for d in (9, 16, 23)]
    # across the change to winter time it stays at 07:00 local
    winter = trigger.get_next_fire_time(None, datetime(2007, 10, 25, tzinfo=UTC))
    assert winter.astimezone(BRUSSELS) == datetime(2007, 10, 29, 7, 0, tzinfo=BRUSSELS)
    assert winter.utcoffset() == timedelta(hours=1)


def test_cron_day_numbers_follow_cron_not_apscheduler():
    trigger = cron_trigger("30 6 * * 1", BRUSSELS)  # cron: 1 = Monday
    fire = trigger.get_next_fire_time(None, datetime(2007, 7, 3, tzinfo=UTC))
    assert fire.weekday() == 0 and (fire.hour, fire.minute) == (6, 30)
    assert daily_schedule("0 7 * * mon") == "0 7 * * *"


def test_last_fire_time():
    trigger = cron_trigger("0 7 * * mon", BRUSSELS)
    now = datetime(2007, 7, 4, 12, 0, tzinfo=UTC)
    assert last_fire_time(trigger, now) == datetime(2007, 7, 2, 5, 0, tzinfo=UTC)
    exactly = datetime(2007, 7, 2, 5, 0, tzinfo=UTC)
    assert last_fire_time(trigger, exactly) == exactly


async def test_scheduled_digest_runs_once_per_fire_time(services, clock):
    await seed(services)
    clock.set(datetime(2007, 7, 2, 5, 0, tzinfo=UTC))  # Monday 07:00 Brussels
    report = await run_digest(services, clock.now())
    # 07:00 has come in Brussels, Helsinki, Dhaka and Manila, not yet in Mexico City
    assert report is not None and report.queued == 5
    assert EMAILS["maria"] not in {e.email for e in report.entries}
    clock.advance(timedelta(seconds=30))
    assert await run_digest(services, clock.now()) is None  # a second instance, or a rerun
    async with services.sessions() as session:
        runs = (await session.exec(select(ScheduledRun)
                                   .where(ScheduledRun.job != FIRST_START))).all()
    assert sorted((r.job, r.scheduled_for) for r in runs) == [
        (DIGEST_JOB, datetime(2007, 7, 1, 23, 0, tzinfo=UTC)),  # Manila
        (DIGEST_JOB, datetime(2007, 7, 2, 1, 0, tzinfo=UTC)),  # Dhaka
        (DIGEST_JOB, datetime(2007, 7, 2, 4, 0, tzinfo=UTC)),  # Helsinki
        (DIGEST_JOB, datetime(2007, 7, 2, 5, 0, tzinfo=UTC)),  # Brussels
    ]


async def test_missed_digest_is_caught_up_within_the_limit(services, clock):
    await seed(services)
    clock.set(datetime(2007, 7, 2, 14, 0, tzinfo=UTC))  # 9 hours late
    done = await catch_up(services, clock.now())
    assert any(line.startswith(f"{DIGEST_JOB} of 2007-07-02 05:00 UTC sent") for line in done)
    # within the 12 hours: Brussels (9 h), Helsinki (10 h), Mexico City (its 07:00 was 12:00 UTC);
    # Dhaka's (13 h) and Manila's (15 h) are too late
    assert sorted(r.recipient for r in await rows(services, "digest:")) == sorted(
        EMAILS[k] for k in ("anne", "luc", "mikko", "maria"))
    assert await catch_up(services, clock.now()) == []  # a second start: nothing more


async def test_missed_digest_too_late_is_skipped_with_a_log_line(services, clock, caplog):
    await seed(services)
    clock.set(datetime(2007, 7, 3, 2, 0, tzinfo=UTC))  # 21 hours late
    with caplog.at_level(logging.WARNING, logger="bot.digest_runs"):
        done = await catch_up(services, clock.now())
    assert any("skipped" in line for line in done)
    assert "missed digest of 2007-07-02 05:00 UTC skipped: 21.0 h late" in caplog.text
    assert await rows(services, "digest:") == []
    assert await catch_up(services, clock.now()) == []  # logged once, not at every start


async def test_start_background_schedules_the_jobs_and_stops(services, bot, clock):
    await seed(services)
    clock.set(datetime(2007, 7, 1, 12, 0, tzinfo=UTC))  # Sunday: nothing to catch up
    background = await start_background(services, bot.app)
    try:
        scheduler = background.scheduler
        assert {j.id for j in scheduler.get_jobs()} == {DIGEST_TICK, "reminders", "delivery"}
        digest_job = scheduler.get_job(DIGEST_TICK)
        next_run = digest_job.next_run_time.astimezone(UTC)
        assert next_run == datetime(2007, 7, 1, 12, 1, tzinfo=UTC) or next_run.second == 0
        assert scheduler.timezone == BRUSSELS
        assert digest_job.coalesce is True
    finally:
        await background.stop()
    assert not background.scheduler.running
