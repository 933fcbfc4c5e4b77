"""When each reader's digest is due: FOF_DIGEST_SCHEDULE read in every reader's own zone.

With `0 7 * * mon`, a focal point in Dakar gets the digest at 07:00 Dakar time and one in
Manila at 07:00 Manila time. The scheduler ticks every minute; each tick looks at the zones
the readers live in, and every zone whose schedule fired within the catch-up window makes
(with the other zones that fired at the same instant) one run: the UTC fire time is the run's
`ScheduledRun` row, claimed before it is built, so several instances build it once. The digest
key (`digest:<reader's local date>:<person>`) keeps one digest per reader and local day even when
the weekly and the daily run meet, or a reader moves to another zone.

A run missed while the bot was down is caught up at start when it is at most
FOF_DIGEST_CATCHUP_HOURS late, and otherwise skipped with a log line (a Monday digest on
Wednesday would mislead). One due before the database's first start is never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.cron import cron_trigger
from bot.mail import digest
from bot.services import Services
from storage import mailing, runs
from storage.models import DigestFrequency

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
DAILY_DIGEST_JOB = "digest-daily"
LOOKBACK = timedelta(days=32)  # how far back start-up looks for a missed digest (monthly)
ON_TIME = timedelta(minutes=2)  # a run this late is on time (the tick is once a minute)
# How long a claimed digest run may take to build before another instance may take it over.
BUILD_CLAIM = timedelta(minutes=10)


def daily_schedule(line: str) -> str:
    """The digest's time of day, every day: '0 7 * * mon' -> '0 7 * * *'."""
    minute, hour, *_ = line.split()
    return f"{minute} {hour} * * *"


def schedules(line: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Job name -> (crontab line, digest frequencies it serves)."""
    return {
        DIGEST_JOB: (line, (DigestFrequency.WEEKLY, DigestFrequency.DAILY)),
        DAILY_DIGEST_JOB: (daily_schedule(line), (DigestFrequency.DAILY,)),
    }


@lru_cache(maxsize=1024)
def trigger(line: str, zone: str) -> CronTrigger:
    """The schedule read in one zone (triggers are immutable: cached per zone)."""
    return cron_trigger(line, ZoneInfo(zone))


def last_fire_time(trigger: CronTrigger, now: datetime,
                   lookback: timedelta = LOOKBACK) -> datetime | None:
    """The latest time at or before `now` when the trigger fired (or would have)."""
    last = None
    moment = trigger.get_next_fire_time(None, now - lookback)
    for _ in range(100_000):  # bounded: a crontab firing every minute still ends
        if moment is None or moment > now:
            break
        last = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return last.astimezone(UTC) if last is not None else None


@dataclass(frozen=True)
class DueRun:
    """One fire instant and the zones whose schedule fired then."""

    job: str
    scheduled_for: datetime
    zones: tuple[str, ...]

    def label(self) -> str:
        return f"{self.job} of {self.scheduled_for:%Y-%m-%d %H:%M} UTC"

    def readers(self) -> str:
        return "readers in " + ", ".join(self.zones)


def due_runs(line: str, job: str, zones: Iterable[str], now: datetime,
             lookback: timedelta) -> list[DueRun]:
    """The latest fire within `lookback` of each zone, zones firing at one instant together."""
    schedule = schedules(line)[job][0]
    groups: dict[datetime, list[str]] = {}
    for zone in sorted(set(zones)):
        fired = last_fire_time(trigger(schedule, zone), now, lookback)
        if fired is not None:
            groups.setdefault(fired, []).append(zone)
    return [DueRun(job, at, tuple(found)) for at, found in sorted(groups.items())]


async def _zones(services: Services, frequencies: tuple[str, ...]) -> list[str]:
    async with services.sessions() as session:
        return await mailing.digest_zones(session, frequencies)


async def _first_start(services: Services, now: datetime) -> datetime:
    async with services.sessions() as session:
        return await runs.first_start(session) or now


async def _already_ran(services: Services, run: DueRun, now: datetime) -> bool:
    async with services.sessions() as session:
        return await runs.already_ran(session, run.job, run.scheduled_for, now)


async def _record(services: Services, run: DueRun, now: datetime, outcome: str) -> None:
    async with services.sessions.begin() as session:
        await runs.record(session, job=run.job, scheduled_for=run.scheduled_for, ran_at=now,
                          outcome=outcome)


async def build_run(services: Services, run: DueRun, now: datetime
                    ) -> digest.DigestReport | None:
    """Claim the run and queue its readers' digests; None when another instance has it.

    A crash midway releases the claim (a later start may run it again; the digest keys make
    the rerun add only what is missing)."""
    async with services.sessions.begin() as session:
        if not await runs.claim(session, job=run.job, scheduled_for=run.scheduled_for, now=now,
                                owner=services.instance, lease=BUILD_CLAIM):
            return None
    frequencies = schedules(services.settings.digest_schedule)[run.job][1]
    try:
        report = await digest.build_digests(services, now, frequencies=frequencies,
                                            zones=frozenset(run.zones))
    except BaseException:
        async with services.sessions.begin() as session:
            await runs.release(session, job=run.job, scheduled_for=run.scheduled_for,
                               owner=services.instance)
        raise
    async with services.sessions.begin() as session:
        await runs.finish(session, job=run.job, scheduled_for=run.scheduled_for,
                          owner=services.instance, outcome=report.summary())
    return report


@dataclass
class Outcome:
    """What one look at the schedule did: the digests queued and one line per late run."""

    report: digest.DigestReport | None = None
    lines: list[str] = field(default_factory=list)

    def add(self, report: digest.DigestReport) -> None:
        if self.report is None:
            self.report = digest.DigestReport()
        self.report.entries.extend(report.entries)


async def _one(services: Services, run: DueRun, now: datetime, first_start: datetime,
               outcome: Outcome) -> None:
    limit = max(timedelta(hours=services.settings.digest_catchup_hours), ON_TIME)
    late = now - run.scheduled_for
    lines = outcome.lines
    if run.scheduled_for < first_start:
        lines.append(f"{run.label()} not sent: it was due before this database's first start "
                     f"({first_start:%Y-%m-%d %H:%M} UTC)")
        await _record(services, run, now, "skipped: before the first start")
    elif late <= limit:
        report = await build_run(services, run, now)
        if report is None:
            lines.append(f"{run.label()}: another instance builds it")
            return
        outcome.add(report)
        if late > ON_TIME:
            lines.append(f"{run.label()} sent {late.total_seconds() / 3600:.1f} h late "
                         f"({run.readers()})")
    else:
        lines.append(f"{run.label()} skipped: {late.total_seconds() / 3600:.1f} h late, "
                     f"more than FOF_DIGEST_CATCHUP_HOURS={limit.total_seconds() / 3600:g} "
                     f"({run.readers()})")
        await _record(services, run, now, "skipped: too late")


async def look(services: Services, now: datetime, jobs: Iterable[str],
               lookback: timedelta) -> Outcome:
    """Run (or skip, with a line) every run of `jobs` due within `lookback` not yet done."""
    outcome = Outcome()
    first_start: datetime | None = None
    line = services.settings.digest_schedule
    for job in jobs:
        zones = await _zones(services, schedules(line)[job][1])
        for run in due_runs(line, job, zones, now, lookback):
            if await _already_ran(services, run, now):
                continue
            first_start = first_start or await _first_start(services, now)
            await _one(services, run, now, first_start, outcome)
    for text in outcome.lines:
        (log.warning if " skipped: " in text else log.info)("missed %s", text)
    return outcome


def window(services: Services) -> timedelta:
    """How far back the minute tick looks: the catch-up limit (a run that failed is retried
    until it is too late)."""
    return max(timedelta(hours=services.settings.digest_catchup_hours), ON_TIME)


async def run_digest(services: Services, now: datetime, job: str = DIGEST_JOB
                     ) -> digest.DigestReport | None:
    """The runs of `job` due now, in every reader's zone; None when none was left to do (they
    ran already, or another instance builds them)."""
    return (await look(services, now, [job], window(services))).report


async def tick(services: Services, now: datetime) -> int:
    """The scheduler's minute tick: both jobs; the number of digests queued."""
    outcome = await look(services, now, [DIGEST_JOB, DAILY_DIGEST_JOB], window(services))
    return outcome.report.queued if outcome.report is not None else 0


async def catch_up(services: Services, now: datetime) -> list[str]:
    """At start: each run missed while the bot was down, run if recent enough, else skipped;
    one line for each."""
    outcome = await look(services, now, [DIGEST_JOB, DAILY_DIGEST_JOB], LOOKBACK)
    return outcome.lines


def next_fire(line: str, zones: Iterable[str], now: datetime) -> datetime | None:
    """The next digest anywhere (for the start-up log line)."""
    times = [t for z in set(zones) if (t := trigger(line, z).get_next_fire_time(None, now))]
    return min(times).astimezone(UTC) if times else None
