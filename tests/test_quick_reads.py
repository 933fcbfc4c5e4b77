"""The hot reads on the loop's own thread (storage.quick_reads) and the values kept until a
commit (bot.memo): the same answers as a usual session, nothing written through them, and
nothing kept past a commit by anyone (issue 10: CPU per read command)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.memo import UntilCommit
from storage import actions, meetings, people
from storage.db import ChangeCounter
from storage.models import Member
from storage.quick_reads import QuickSession
from tests.fixtures_bot import ADMIN, ANA, JAN, NOW, ask, data_fixture  # noqa: F401
from tests.test_paging_sql import statements_run


def _sqlite_file(services) -> str:
    if services.quick is None:
        pytest.skip("the quick reads are for SQLite files; other databases use sessions")
    return make_url(services.settings.async_database_url).database


async def _both(services, read):
    """What `read(session)` gives through a usual session and through the quick reads."""
    async with services.sessions() as session:
        usual = await read(session)
    async with services.reads() as quick:
        assert isinstance(quick, QuickSession)
        fast = await read(quick)
    return usual, fast


@pytest.mark.parametrize("which", ["open", "overdue", "all"])
async def test_action_lists_read_the_same_both_ways(services, data, which):
    _sqlite_file(services)
    today = services.today()
    for where in ({}, {"member_codes": ("BE", "FI")}, {"member_codes": ()},
                  {"member_codes": ("MX",), "person_id": 1}):
        usual, fast = await _both(services, lambda s, where=where: actions.list_actions(
            s, today=today, which=which, **where))
        assert usual == fast
        paged = await _both(services, lambda s, where=where: actions.list_actions(
            s, today=today, which=which, offset=1, limit=1, **where))
        assert paged[0] == paged[1] == usual[1:2]
        counted = await _both(services, lambda s, where=where: actions.count_actions(
            s, today=today, which=which, **where))
        assert counted == (len(usual), len(usual))
    every = await _both(services, lambda s: actions.list_actions(s, today=today, which="all"))
    assert len(every[0]) == 4  # the sample's four items: the comparison compared something


async def test_meetings_and_viewers_read_the_same_both_ways(services, data):
    _sqlite_file(services)
    listed, fast = await _both(services, lambda s: meetings.upcoming(s, NOW))
    assert [m.model_dump() for m in listed] == [m.model_dump() for m in fast]
    assert len(listed) == 3
    usual, fast = await _both(services, lambda s: meetings.count_upcoming(s, NOW))
    assert usual == fast and fast.total == 3
    assert fast.until == min(m.ends_at for m in listed)  # the count holds until then
    usual, fast = await _both(services, lambda s: people.get_viewer(s, ANA["id"]))
    assert usual == fast and fast.member_codes == ("MX",)


async def test_the_kept_connection_reads_each_commit_made_since(services, data):
    _sqlite_file(services)
    codes = select(Member.code).order_by(Member.code)
    async with services.reads() as quick:
        before = (await quick.exec(codes)).all()
    for code in ("ZX", "ZY"):  # a commit between two reads, twice
        async with services.sessions.begin() as session:
            session.add(Member(code=code, name=f"Member {code}", kind="state", created_at=NOW))
        async with services.reads() as quick:
            now_read = (await quick.exec(codes)).all()
        assert now_read == sorted([*before, code]), now_read
        before = now_read


async def test_nothing_can_be_written_through_the_quick_reads(services, data):
    _sqlite_file(services)
    with services.quick.engine.connect() as connection, pytest.raises(OperationalError,
                                                                       match="readonly"):
        connection.execute(insert(Member).values(code="ZZ", name="Nowhere", kind="state",
                                                 created_at=NOW))
    other = sqlite3.connect(_sqlite_file(services))
    try:
        assert other.execute("SELECT count(*) FROM member WHERE code = 'ZZ'").fetchone() == (0,)
    finally:
        other.close()


async def test_a_new_item_shows_in_the_kept_count_at_once(bot, services, data):
    """The count behind "page 1 / N" is kept until a commit: adding an item is one."""
    _sqlite_file(services)
    before = await ask(bot, ADMIN, "/actions all")
    assert "All action items</b> (4)" in before
    await ask(bot, ADMIN, "/addaction FI 2007-09-30 Draft the pilot's terms of reference")
    assert "All action items</b> (5)" in await ask(bot, ADMIN, "/actions all")
    await ask(bot, JAN, f"/done {data.report}")  # Belgium's report, by its focal point
    assert "Open action items</b> (3)" in await ask(bot, ADMIN, "/actions")


async def test_the_meeting_count_follows_the_clock(services, data):
    """The upcoming meetings' count is kept until a commit, or until the soonest of them ends."""
    _sqlite_file(services)
    assert await upcoming_total(services) == 3
    with statements_run(services) as statements:
        assert await upcoming_total(services) == 3
    assert not [s for s in statements if "count(" in s]  # kept, not counted again
    async with services.sessions() as session:
        counted = await meetings.count_upcoming(session, NOW)
    services.clock.set(counted.until)  # the soonest meeting has just ended
    assert await upcoming_total(services) == 2
    services.clock.set(NOW)  # and a clock set back counts again too
    assert await upcoming_total(services) == 3


async def upcoming_total(services) -> int:
    from bot.ops.calendar import upcoming_page

    return (await upcoming_page(services, 0)).total


async def test_kept_until_another_program_commits(tmp_path):
    path = tmp_path / "kept.db"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.commit()
    counter = ChangeCounter(str(path))
    memo = UntilCommit(counter)
    reads: list[int] = []

    async def read() -> int:
        reads.append(1)
        return writer.execute("SELECT count(*) FROM t").fetchone()[0]

    try:
        assert await memo.get("rows", read) == 0
        assert await memo.get("rows", read) == 0
        assert len(reads) == 1  # kept
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()
        assert await memo.get("rows", read) == 1  # a commit: read again
        assert len(reads) == 2
    finally:
        counter.close()
        writer.close()


async def test_nothing_is_kept_without_a_change_counter():
    memo = UntilCommit(None)
    reads: list[int] = []

    async def read() -> int:
        reads.append(1)
        return len(reads)

    assert [await memo.get("k", read) for _ in range(3)] == [1, 2, 3]
