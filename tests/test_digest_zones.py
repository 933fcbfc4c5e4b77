"""Each reader's own morning: the digest schedule read in every reader's zone, daylight saving
included, and every time shown named in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot import digest_runs
from bot.dates import long_moment_both, short_moment
from bot.digest_runs import DIGEST_JOB, due_runs, run_digest, tick
from storage.models import DigestFrequency, Person, ScheduledRun
from storage.runs import FIRST_START
from tests.mail_fixtures import EMAILS, rows, seed

WEEKLY = "0 7 * * mon"


async def _zones(services, **zones: str) -> None:
    """Move the seeded people: name -> zone (everyone else to Brussels)."""
    async with services.sessions.begin() as session:
        await session.exec(update(Person).values(timezone="Europe/Brussels"))
        for name, zone in zones.items():
            await session.exec(update(Person).where(Person.email == EMAILS[name])
                               .values(timezone=zone))


async def _started_long_ago(services) -> None:
    """A database first started in 2006, so that 2007's digests are not 'before the start'."""
    async with services.sessions.begin() as session:
        session.add(ScheduledRun(job=FIRST_START, scheduled_for=datetime(2006, 1, 1, tzinfo=UTC),
                                 ran_at=datetime(2006, 1, 1, tzinfo=UTC), outcome="test"))


async def _arrivals(services) -> dict[str, datetime]:
    return {r.recipient: r.created_at for r in await rows(services, "digest:")}


async def test_readers_in_three_zones_get_it_at_seven_in_their_own_morning(services, clock):
    await seed(services)
    await _started_long_ago(services)
    await _zones(services, anne="Africa/Dakar", jose="Asia/Manila", maria="America/New_York")
    # from Sunday evening to Monday afternoon (UTC), a tick every five minutes
    clock.set(datetime(2007, 7, 1, 20, 0, tzinfo=UTC))
    while clock.now() <= datetime(2007, 7, 2, 13, 0, tzinfo=UTC):
        await tick(services, clock.now())
        clock.advance(timedelta(minutes=5))
    arrived = await _arrivals(services)
    assert arrived[EMAILS["jose"]] == datetime(2007, 7, 1, 23, 0, tzinfo=UTC)  # 07:00 Manila
    assert arrived[EMAILS["anne"]] == datetime(2007, 7, 2, 7, 0, tzinfo=UTC)  # 07:00 Dakar
    assert arrived[EMAILS["maria"]] == datetime(2007, 7, 2, 11, 0, tzinfo=UTC)  # 07:00 EDT
    assert arrived[EMAILS["luc"]] == datetime(2007, 7, 2, 5, 0, tzinfo=UTC)  # 07:00 CEST
    # one each: the ticks after each reader's morning added nothing
    assert len(await rows(services, "digest:")) == 6
    keys = {r.key for r in await rows(services, "digest:")}
    # the reader's local date: Sunday evening in UTC is Monday morning in Manila
    assert {key.split(":")[1] for key in keys} == {"2007-07-02"}


def test_the_schedule_follows_daylight_saving_in_brussels_and_new_york():
    zones = ["Europe/Brussels", "America/New_York"]

    def fires(now: datetime) -> dict[str, datetime]:
        found = due_runs(WEEKLY, DIGEST_JOB, zones, now, timedelta(days=7))
        return {zone: run.scheduled_for for run in found for zone in run.zones}

    # New York moved its clocks on Sunday 11 March 2007, Brussels on Sunday 25 March
    assert fires(datetime(2007, 3, 6, tzinfo=UTC)) == {
        "Europe/Brussels": datetime(2007, 3, 5, 6, 0, tzinfo=UTC),  # 07:00 CET
        "America/New_York": datetime(2007, 3, 5, 12, 0, tzinfo=UTC)}  # 07:00 EST
    assert fires(datetime(2007, 3, 13, tzinfo=UTC)) == {
        "Europe/Brussels": datetime(2007, 3, 12, 6, 0, tzinfo=UTC),
        "America/New_York": datetime(2007, 3, 12, 11, 0, tzinfo=UTC)}  # 07:00 EDT
    assert fires(datetime(2007, 3, 27, tzinfo=UTC)) == {
        "Europe/Brussels": datetime(2007, 3, 26, 5, 0, tzinfo=UTC),  # 07:00 CEST
        "America/New_York": datetime(2007, 3, 26, 11, 0, tzinfo=UTC)}
    # and back: Brussels on Sunday 28 October, New York on Sunday 4 November
    assert fires(datetime(2007, 10, 30, tzinfo=UTC)) == {
        "Europe/Brussels": datetime(2007, 10, 29, 6, 0, tzinfo=UTC),
        "America/New_York": datetime(2007, 10, 29, 11, 0, tzinfo=UTC)}
    assert fires(datetime(2007, 11, 6, tzinfo=UTC)) == {
        "Europe/Brussels": datetime(2007, 11, 5, 6, 0, tzinfo=UTC),
        "America/New_York": datetime(2007, 11, 5, 12, 0, tzinfo=UTC)}


async def test_the_first_summer_monday_reaches_brussels_at_its_new_seven(services, clock):
    await seed(services)
    await _started_long_ago(services)
    await _zones(services)  # everyone in Brussels
    clock.set(datetime(2007, 3, 26, 4, 59, tzinfo=UTC))  # 06:59 CEST, 05:59 by winter time
    assert await run_digest(services, clock.now()) is None
    assert await rows(services, "digest:") == []
    clock.set(datetime(2007, 3, 26, 5, 0, tzinfo=UTC))
    report = await run_digest(services, clock.now())
    # everyone but María, who has nothing to read that week (FOF_DIGEST_SKIP_EMPTY)
    assert report is not None and report.queued == 5
    assert {r.key.split(":")[1] for r in await rows(services, "digest:")} == {"2007-03-26"}


async def test_a_daily_reader_gets_one_a_day_even_on_monday(services, clock):
    await seed(services)
    await _started_long_ago(services)
    await _zones(services, maria="America/New_York")
    async with services.sessions.begin() as session:
        await session.exec(update(Person).where(Person.email == EMAILS["maria"])
                           .values(digest=DigestFrequency.DAILY))
    for day in (2, 3):  # Monday (weekly and daily both fire), then Tuesday (daily only)
        clock.set(datetime(2007, 7, day, 11, 0, tzinfo=UTC))  # 07:00 in New York
        await tick(services, clock.now())
        clock.advance(timedelta(minutes=1))
        await tick(services, clock.now())
    maria = [r.key for r in await rows(services, "digest:") if r.recipient == EMAILS["maria"]]
    assert sorted(k.split(":")[1] for k in maria) == ["2007-07-02", "2007-07-03"]


def test_times_are_shown_in_the_readers_zone_and_the_meetings_named_in_their_language():
    at = datetime(2007, 3, 26, 7, 0, tzinfo=UTC)  # the first Monday of summer time in Brussels
    assert long_moment_both(at, "America/New_York", "Europe/Brussels", "es") == (
        "lunes, 26 de marzo de 2007, 03:00 (hora de Nueva York); "
        "lunes, 26 de marzo de 2007, 09:00, hora local en Bruselas")
    assert long_moment_both(at, "Europe/Brussels", "Europe/Brussels", "fr") == (
        "lundi 26 mars 2007, 09:00 (heure : Bruxelles)")
    assert long_moment_both(at, "Asia/Manila", "America/New_York", "en") == (
        "Monday, 26 March 2007, 15:00 (Manila time); Monday, 26 March 2007, 03:00 local time "
        "in New York")
    # the hour before and after New York's change, as a reader there reads them
    before = datetime(2007, 3, 11, 6, 30, tzinfo=UTC)
    assert short_moment(before, "America/New_York") == "Sun 11 Mar 2007, 01:30"
    assert short_moment(before + timedelta(hours=1), "America/New_York") == \
        "Sun 11 Mar 2007, 03:30"


def test_a_zone_group_is_one_run_at_one_instant():
    runs = due_runs(WEEKLY, DIGEST_JOB, ["Europe/Paris", "Europe/Brussels", "Asia/Manila"],
                    datetime(2007, 7, 2, 6, 0, tzinfo=UTC), timedelta(hours=12))
    assert [(r.scheduled_for, r.zones) for r in runs] == [
        (datetime(2007, 7, 1, 23, 0, tzinfo=UTC), ("Asia/Manila",)),
        (datetime(2007, 7, 2, 5, 0, tzinfo=UTC), ("Europe/Brussels", "Europe/Paris"))]
    assert digest_runs.next_fire(WEEKLY, ["Asia/Manila"], datetime(2007, 7, 2, tzinfo=UTC)) == \
        datetime(2007, 7, 8, 23, 0, tzinfo=UTC)
