"""The scheduler and the delivery worker that run beside the bot, on its event loop.

APScheduler only says *when* to look; *what* is due always comes from the database (meetings,
actions, the outbox, `ScheduledRun`), so a restart, a moved meeting or a second instance neither
loses nor doubles a message. Every job is a plain async function taking `now`, so tests call it
with any time instead of waiting.

Jobs:
- digests: every minute, the digests due in some reader's zone (`bot/digest_runs.py`:
  FOF_DIGEST_SCHEDULE read in each reader's own zone, weekly and daily readers; daily readers also
  get it at the same local time every day);
- reminders: the reminder sweep, every minute;
- delivery: the outbox worker, every 15 seconds, and at once after a sweep or digest adds mail;
- inbox: the secretariat's mailbox (bounces, calendar replies), every FOF_IMAP_POLL_SECONDS,
  when FOF_IMAP_URL is set (`bot/mail/inbound/worker.py`).

A digest missed while the bot was down runs at start when it is at most FOF_DIGEST_CATCHUP_HOURS
late, and is otherwise skipped with a log line (`digest_runs.catch_up`).

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

from bot import digest_runs
from bot.digest_runs import (  # noqa: F401  (the digest's schedule, as this module had it)
    DAILY_DIGEST_JOB,
    DIGEST_JOB,
    catch_up,
    last_fire_time,
    run_digest,
)
from bot.mail import delivery, reminders
from bot.mail.outcomes import DeliveryReport
from bot.services import Services

log = logging.getLogger(__name__)

DIGEST_TICK = "digests"  # looks every minute whose morning it is (bot/digest_runs.py)
SWEEP_INTERVAL = timedelta(minutes=1)
DELIVERY_INTERVAL = timedelta(seconds=15)
STOP_TIMEOUT = 30.0  # seconds to let a running job finish at shutdown before cancelling it


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

    async def digests(now: datetime) -> int:
        return await digest_runs.tick(services, now)

    scheduler.add_job(_job(background, services, DIGEST_TICK, digests),
                      CronTrigger(minute="*", timezone=UTC), id=DIGEST_TICK,
                      name="digests in each reader's zone")
    scheduler.add_job(_job(background, services, "reminders", sweep),
                      IntervalTrigger(seconds=int(SWEEP_INTERVAL.total_seconds())),
                      id="reminders", name="reminder sweep",
                      next_run_time=datetime.now(settings.tz))
    if settings.mailbox is not None:
        from bot.mail.inbound import worker as inbox  # imapclient only when there is an inbox

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
    log.info("scheduler started: digest %r at each reader's local time", settings.digest_schedule)
    return background
