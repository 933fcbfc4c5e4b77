"""The scheduler and the delivery worker that run beside the bot, on its event loop.

APScheduler only says *when* to look; *what* is due always comes from the database (meetings,
actions, the outbox, `ScheduledRun`), so a restart, a moved meeting or a second instance neither
loses nor doubles a message. Every job is a plain async function taking `now`, so tests call it
with any time instead of waiting.

Jobs:
- digest: on FOF_DIGEST_SCHEDULE in FOF_TIMEZONE, for weekly and daily readers;
- digest-daily: the same time of day every day, for daily readers (the digest key, one per local
  day, stops a second message on days both run);
- reminders: the reminder sweep, every minute;
- delivery: the outbox worker, every 15 seconds, and at once after a sweep or digest adds mail;
- inbox: the secretariat's mailbox (bounces, calendar replies), every FOF_IMAP_POLL_SECONDS,
  when FOF_IMAP_URL is set (`bot/mail/inbound/worker.py`).

A digest missed while the bot was down runs at start when it is at most FOF_DIGEST_CATCHUP_HOURS
late, and is otherwise skipped with a log line (a Monday digest on Wednesday would mislead). One
due before the database's first start is never caught up.

Several instances: each digest run is claimed in `ScheduledRun` before it is built (one instance
builds it); the outbox leases rows to one instance at a time (`bot/mail/delivery.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from telegram.ext import Application

from bot.cron import cron_trigger
from bot.mail import delivery, digest, reminders
from bot.mail.inbound import worker as inbox
from bot.mail.outcomes import DeliveryReport
from bot.services import Services
from storage import runs
from storage.models import DigestFrequency

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
DAILY_DIGEST_JOB = "digest-daily"
SWEEP_INTERVAL = timedelta(minutes=1)
DELIVERY_INTERVAL = timedelta(seconds=15)
STOP_TIMEOUT = 30.0  # seconds to let a running job finish at shutdown before cancelling it
LOOKBACK = timedelta(days=32)  # how far back to look for a missed digest (a monthly schedule)
# How long a claimed digest run may take to build before another instance may take it over.
BUILD_CLAIM = timedelta(minutes=10)


def daily_schedule(line: str) -> str:
    """The digest's time of day, every day: '0 7 * * mon' -> '0 7 * * *'."""
    minute, hour, *_ = line.split()
    return f"{minute} {hour} * * *"


def digest_jobs(services: Services) -> dict[str, tuple[CronTrigger, tuple[str, ...]]]:
    """Job name -> (trigger, digest frequencies it serves)."""
    settings = services.settings
    return {
        DIGEST_JOB: (cron_trigger(settings.digest_schedule, settings.tz),
                     (DigestFrequency.WEEKLY, DigestFrequency.DAILY)),
        DAILY_DIGEST_JOB: (cron_trigger(daily_schedule(settings.digest_schedule), settings.tz),
                           (DigestFrequency.DAILY,)),
    }


def last_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before `now` when the trigger fired (or would have)."""
    last = None
    moment = trigger.get_next_fire_time(None, now - LOOKBACK)
    for _ in range(100_000):  # bounded: a crontab firing every minute still ends
        if moment is None or moment > now:
            break
        last = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return last.astimezone(UTC) if last is not None else None


async def _already_ran(services: Services, job: str, scheduled_for: datetime,
                       now: datetime | None = None) -> bool:
    async with services.sessions() as session:
        return await runs.already_ran(session, job, scheduled_for, now)


async def _record_run(services: Services, job: str, scheduled_for: datetime, now: datetime,
                      outcome: str) -> None:
    async with services.sessions.begin() as session:
        await runs.record(session, job=job, scheduled_for=scheduled_for, ran_at=now,
                          outcome=outcome)


async def _claim_run(services: Services, job: str, scheduled_for: datetime,
                     now: datetime) -> bool:
    async with services.sessions.begin() as session:
        return await runs.claim(session, job=job, scheduled_for=scheduled_for, now=now,
                                owner=services.instance, lease=BUILD_CLAIM)


async def run_digest(services: Services, now: datetime, job: str = DIGEST_JOB
                     ) -> digest.DigestReport | None:
    """The scheduled digest for the fire time just passed; None if that run already happened
    or another instance is building it.

    The run is claimed (its row inserted) before it is built, so one instance of several builds
    it; the claim is finished after the digests are queued. A crash in between leaves a claim
    that runs out after BUILD_CLAIM: a later start catches the run up, and the digest keys make
    the rerun add nothing already queued.
    """
    trigger, frequencies = digest_jobs(services)[job]
    scheduled_for = last_fire_time(trigger, now) or now
    if await _already_ran(services, job, scheduled_for, now):
        return None
    if not await _claim_run(services, job, scheduled_for, now):
        return None
    try:
        report = await digest.build_digests(services, now, frequencies=frequencies)
    except BaseException:
        async with services.sessions.begin() as session:  # a later start may run it again
            await runs.release(session, job=job, scheduled_for=scheduled_for,
                               owner=services.instance)
        raise
    async with services.sessions.begin() as session:
        await runs.finish(session, job=job, scheduled_for=scheduled_for,
                          owner=services.instance, outcome=report.summary())
    return report


async def _first_start(services: Services, now: datetime) -> datetime:
    async with services.sessions() as session:
        return await runs.first_start(session) or now


async def _catch_up_one(services: Services, job: str, scheduled_for: datetime, now: datetime,
                        first_start: datetime) -> str:
    """Run or skip one missed digest; the line that says which."""
    limit = timedelta(hours=services.settings.digest_catchup_hours)
    late = now - scheduled_for
    hours = late.total_seconds() / 3600
    if scheduled_for < first_start:
        line = (f"{job} of {scheduled_for:%Y-%m-%d %H:%M} UTC not sent: it was due before "
                f"this database's first start ({first_start:%Y-%m-%d %H:%M} UTC)")
        log.info("missed %s", line)
        await _record_run(services, job, scheduled_for, now, "skipped: before the first start")
    elif late <= limit:
        if await run_digest(services, now, job) is None:
            return f"{job} of {scheduled_for:%Y-%m-%d %H:%M} UTC: another instance builds it"
        line = f"{job} of {scheduled_for:%Y-%m-%d %H:%M} UTC sent {hours:.1f} h late"
        log.info("missed %s", line)
    else:
        line = (f"{job} of {scheduled_for:%Y-%m-%d %H:%M} UTC skipped: {hours:.1f} h late, "
                f"more than FOF_DIGEST_CATCHUP_HOURS={limit.total_seconds() / 3600:g}")
        log.warning("missed %s", line)
        await _record_run(services, job, scheduled_for, now, "skipped: too late")
    return line


async def catch_up(services: Services, now: datetime) -> list[str]:
    """Run each digest missed while the bot was down if it is recent enough; else log a skip.
    A digest due before the database's first start is never caught up (a new installation
    does not mail everyone at its first start).

    Returns what was done, one line per job that had a missed run.
    """
    first_start = await _first_start(services, now)
    done = []
    for job, (trigger, _) in digest_jobs(services).items():
        scheduled_for = last_fire_time(trigger, now)
        if scheduled_for is None or await _already_ran(services, job, scheduled_for, now):
            continue
        done.append(await _catch_up_one(services, job, scheduled_for, now, first_start))
    return done


@dataclass
class Background:
    """What start_background started; `stop()` ends it cleanly."""

    scheduler: AsyncIOScheduler | None = None
    running: set[asyncio.Task] = field(default_factory=set)

    async def stop(self) -> None:
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.pause()  # no new runs; shutdown() would cancel the running ones
        # A job the executor has just submitted registers itself on its first step.
        for _ in range(3):
            await asyncio.sleep(0)
        if self.running:
            # Let a delivery finish its batch; a cancelled one is safe (leases), only slower.
            _, pending = await asyncio.wait(set(self.running), timeout=STOP_TIMEOUT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # the scheduler finishes shutting down on the next step


def _job(background: Background, services: Services, name: str,
         work: Callable[[datetime], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """`work` as a scheduler job: tracked for a clean stop, logged on failure, and followed
    by a delivery run at once when it queued something."""
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            background.running.add(task)
        try:
            result = await work(services.clock.now())
            if name != "delivery" and result:
                _kick_delivery(background, services)
        except Exception:  # log and keep the scheduler going; the next tick retries
            log.exception("scheduled job %s failed", name)
        finally:
            if task is not None:
                background.running.discard(task)

    run.__name__ = f"fof_{name.replace('-', '_')}"
    return run


def _kick_delivery(background: Background, services: Services) -> None:
    scheduled = background.scheduler.get_job("delivery") if background.scheduler else None
    if scheduled is not None:
        scheduled.modify(next_run_time=datetime.now(services.settings.tz))


def _add_jobs(background: Background, services: Services, application: Application) -> None:
    settings, scheduler = services.settings, background.scheduler
    assert scheduler is not None

    async def deliver(now: datetime) -> DeliveryReport:
        return await delivery.deliver_due(services, now, telegram_bot=application.bot)

    async def sweep(now: datetime) -> int:
        return await reminders.sweep(services, now)

    grace = int(settings.digest_catchup_hours * 3600) or 60
    for name, (trigger, _) in digest_jobs(services).items():
        async def digest_now(now: datetime, name: str = name) -> object:
            report = await run_digest(services, now, name)
            return report.queued if report is not None else 0

        scheduler.add_job(_job(background, services, name, digest_now), trigger, id=name,
                          name=name, misfire_grace_time=grace)
    scheduler.add_job(_job(background, services, "reminders", sweep),
                      IntervalTrigger(seconds=int(SWEEP_INTERVAL.total_seconds())),
                      id="reminders", name="reminder sweep",
                      next_run_time=datetime.now(settings.tz))
    if settings.mailbox is not None:
        scheduler.add_job(_job(background, services, "inbox",
                               lambda now: inbox.poll(services, now)),
                          IntervalTrigger(seconds=int(settings.imap_poll_seconds)),
                          id="inbox", name="inbox reader", next_run_time=datetime.now(settings.tz))
    # at once at start too: mail left by a stopped instance goes out without waiting a tick
    scheduler.add_job(_job(background, services, "delivery", deliver),
                      IntervalTrigger(seconds=int(DELIVERY_INTERVAL.total_seconds())),
                      id="delivery", name="delivery worker",
                      next_run_time=datetime.now(settings.tz))


async def start_background(services: Services, application: Application) -> Background:
    """Start the scheduler on the running loop; catch up a recently missed digest first."""
    settings = services.settings
    scheduler = AsyncIOScheduler(
        timezone=settings.tz,
        # coalesce: after a stall run once, not once per missed tick; grace: a tick a bit
        # late still runs (APScheduler's default grace is one second).
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    background = Background(scheduler)
    _add_jobs(background, services, application)
    try:
        for line in await catch_up(services, services.clock.now()):
            log.info("catch-up: %s", line)
    except Exception:
        log.exception("digest catch-up failed; the schedule goes on")
    scheduler.start()
    log.info("scheduler started: digest %r in %s, next at %s", settings.digest_schedule,
             settings.timezone, scheduler.get_job(DIGEST_JOB).next_run_time)
    return background
