"""Several instances on one database, in one process: start-up under a lock, digest runs claimed
before they are built, outbox leases with an owner, no catch-up before the first start."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select
from telegram.error import Conflict, NetworkError

from bot.clock import FixedClock
from bot.config import Settings
from bot.instance import PollingGuard
from bot.mail import claims
from bot.mail.delivery import deliver_due
from bot.scheduling import DIGEST_JOB, catch_up, run_digest
from bot.services import open_services
from storage import outbox, runs
from storage.models import Admin, OutboxMessage, ScheduledRun
from tests.mail_fixtures import EMAILS, seed
from tests.test_mail_delivery import queue

MONDAY_DIGEST = datetime(2007, 7, 2, 5, 0, tzinfo=UTC)  # 07:00 Brussels


async def _count(services, model, *where) -> int:
    async with services.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model)
                                       .where(*where))).one())


async def test_two_instances_starting_together_on_an_empty_database_both_come_up(
        settings: Settings, empty_database_url: str, clock):
    fresh = settings.model_copy(update={"database_url": empty_database_url,
                                        "admin_ids": [1, 2, 3]})

    async def start() -> int:
        async with open_services(fresh, FixedClock(clock.now())) as services:
            return await _count(services, Admin)

    assert await asyncio.gather(start(), start(), start()) == [3, 3, 3]  # no duplicate admins


async def test_one_of_two_instances_builds_a_digest_run(services, settings, clock):
    await seed(services)
    clock.set(MONDAY_DIGEST)
    async with open_services(settings, clock, migrate=False) as other:
        assert other.instance != services.instance
        reports = await asyncio.gather(run_digest(services, clock.now()),
                                       run_digest(other, clock.now()))
    built = [r for r in reports if r is not None]
    # four runs were due (07:00 in Manila, Dhaka, Helsinki, Brussels), each built by one
    # instance: every reader whose morning it is got one digest, nobody two
    assert sum(r.queued for r in built) == 5
    assert await _count(services, OutboxMessage) == 5
    found = await _runs(services)
    assert len(found) == 4 and all(r.claimed_until is None and " queued" in r.outcome
                                   for r in found)


async def _runs(services) -> list[ScheduledRun]:
    async with services.sessions() as session:
        return list((await session.exec(select(ScheduledRun).where(
            ScheduledRun.job != runs.FIRST_START))).all())


async def test_a_claim_left_by_a_dead_instance_is_taken_over_after_it_runs_out(
        services, clock):
    await seed(services)
    clock.set(MONDAY_DIGEST + timedelta(minutes=1))
    async with services.sessions.begin() as session:  # an instance claims the run, then dies
        assert await runs.claim(session, job=DIGEST_JOB, scheduled_for=MONDAY_DIGEST,
                                now=clock.now(), owner="dead:1:x", lease=timedelta(minutes=10))
    report = await run_digest(services, clock.now())  # the other zones' runs, not Brussels'
    assert report is not None and EMAILS["anne"] not in {e.email for e in report.entries}
    monday = f"{DIGEST_JOB} of {MONDAY_DIGEST:%Y-%m-%d %H:%M} UTC"
    lines = await catch_up(services, clock.now())
    assert [line for line in lines if line.startswith(monday)] == []  # being built elsewhere
    clock.advance(timedelta(minutes=10))
    [line] = [line for line in await catch_up(services, clock.now()) if line.startswith(monday)]
    assert "sent 0.2 h late (readers in Europe/Brussels)" in line
    [run] = [r for r in await _runs(services)
             if r.job == DIGEST_JOB and r.scheduled_for == MONDAY_DIGEST]
    assert run.claimed_by == services.instance and run.claimed_until is None


async def test_a_digest_due_before_the_database_existed_is_never_caught_up(
        settings: Settings, empty_database_url: str, caplog):
    fresh = settings.model_copy(update={"database_url": empty_database_url})
    first_start = MONDAY_DIGEST + timedelta(hours=2)  # two hours after the Monday digest
    clock = FixedClock(first_start)
    async with open_services(fresh, clock) as services:
        await seed(services)
        with caplog.at_level(logging.INFO, logger="bot.scheduling"):
            done = await catch_up(services, clock.now())
        assert f"{DIGEST_JOB} of 2007-07-02 05:00 UTC not sent: it was due before this " \
               "database's first start (2007-07-02 07:00 UTC)" in done
        assert await _count(services, OutboxMessage) == 0
        assert await catch_up(services, clock.now()) == []  # decided once
        # the next Monday's digest, missed while the bot was down, is caught up as usual
        clock.set(MONDAY_DIGEST + timedelta(days=7, hours=3))
        done = await catch_up(services, clock.now())
        assert f"{DIGEST_JOB} of 2007-07-09 05:00 UTC sent 3.0 h late (readers in " \
               "Europe/Brussels)" in done
        assert await _count(services, OutboxMessage) > 0


async def test_an_outbox_lease_has_an_owner_and_runs_out(services, settings, clock, mail_sink):
    await queue(services, "anne.dupont@example.org", "maria.garcia@example.org")
    lease = claims.lease_of(services)
    assert lease == timedelta(seconds=60)  # the default: short, renewed while sending
    async with services.sessions.begin() as session:  # another instance claims, then dies
        claimed = await outbox.claim_due(session, now=clock.now(), lease=lease, limit=10,
                                         owner="dead:1:x")
    assert len(claimed) == 2
    async with services.sessions.begin() as session:  # only the owner renews
        assert await outbox.renew(session, [r.id for r in claimed], owner=services.instance,
                                  until=clock.now() + lease) == 0
    assert (await deliver_due(services, clock.now())).attempted == 0
    clock.advance(lease)
    assert (await deliver_due(services, clock.now())).sent == 2
    assert len(mail_sink.received) == 2


async def test_a_claim_takes_at_most_its_limit_oldest_first_and_never_twice(services, clock):
    await queue(services, *(f"fp{n}@example.org" for n in range(7)))
    lease = claims.lease_of(services)
    taken = []
    for expected in (2, 2, 2, 1, 0):
        async with services.sessions.begin() as session:
            rows = await outbox.claim_due(session, now=clock.now(), lease=lease, limit=2,
                                          owner=services.instance)
        assert len(rows) == expected
        taken += [row.id for row in rows]
    assert taken == sorted(taken) and len(set(taken)) == 7


async def test_renewing_keeps_a_live_instances_lease(services, clock):
    await queue(services, "anne.dupont@example.org")
    lease = timedelta(seconds=60)
    async with services.sessions.begin() as session:
        [row] = await outbox.claim_due(session, now=clock.now(), lease=lease, limit=10,
                                       owner=services.instance)
    clock.advance(timedelta(seconds=40))
    async with services.sessions.begin() as session:
        assert await outbox.renew(session, [row.id], owner=services.instance,
                                  until=clock.now() + lease) == 1
    clock.advance(timedelta(seconds=40))  # past the first lease, within the renewed one
    async with services.sessions.begin() as session:
        assert await outbox.claim_due(session, now=clock.now(), lease=lease, limit=10,
                                      owner="other:2:y") == []


def test_a_409_conflict_stops_polling_with_one_line_and_status_2(caplog):
    async def go() -> tuple[PollingGuard, asyncio.Event]:
        stop = asyncio.Event()
        guard = PollingGuard(stop)
        guard(NetworkError("Bad Gateway"))
        assert not stop.is_set() and guard.exit_status == 0
        for _ in range(3):
            guard(Conflict("terminated by other getUpdates request"))
        return guard, stop

    with caplog.at_level(logging.WARNING, logger="bot.instance"):
        guard, stop = asyncio.run(go())
    assert stop.is_set() and guard.exit_status == 2
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "409 Conflict" in errors[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no tracebacks
