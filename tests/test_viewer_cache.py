"""The viewer (who sent an update) is read from the database only when something was committed
since it was last read: any commit, from this process or another, makes the next update read
it again, so authorisation stays exact (issue 10: the viewer read once per update, cheaply)."""

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests.fixtures_bot import ADMIN, ADMIN_ID, JAN, ask, data_fixture  # noqa: F401


def viewer_reads(services) -> list[str]:
    """Records the statements that read the viewer (the Admin check with the contact)."""
    seen: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "telegramname" in statement.lower() and statement.lstrip().upper().startswith(
                "SELECT") and "admin" in statement.lower():
            seen.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", _record)
    if services.quick is not None:  # the viewer is read on the loop's thread on SQLite files
        event.listen(services.quick.engine, "before_cursor_execute", _record)
    return seen


async def test_an_unchanged_viewer_is_not_read_again(bot, services, data):
    if services.changes is None:
        pytest.skip("the cache needs SQLite's data_version; other databases read every time")
    seen = viewer_reads(services)
    await ask(bot, ADMIN, "/help")  # read, then the Telegram name is remembered (a commit)
    await ask(bot, ADMIN, "/help")  # read again, and kept
    first = len(seen)
    assert first == 2
    assert "/addmember" in await ask(bot, ADMIN, "/help")
    assert len(seen) == first  # nothing was committed in between: no read
    await ask(bot, ADMIN, "/admin add 5002")  # a commit
    await ask(bot, ADMIN, "/help")
    assert len(seen) > first


async def test_removed_admin_refused_on_the_next_update(bot, services, data):
    assert "/addmember" in await ask(bot, ADMIN, "/help")
    await ask(bot, ADMIN, "/admin add 5002")
    assert "/addmember" in await ask(bot, JAN, "/help")
    await ask(bot, ADMIN, "/help")  # the viewer is now kept
    assert "is no longer an administrator" in await ask(bot, JAN, f"/admin remove {ADMIN_ID}")
    assert "only administrators" in await ask(bot, ADMIN, "/admin add 900001")


async def test_a_commit_by_another_program_is_seen_on_the_next_update(bot, services, data):
    if services.changes is None:
        pytest.skip("another program's write is checked here on a SQLite file")
    await ask(bot, ADMIN, "/admin add 5002")
    assert "/addmember" in await ask(bot, JAN, "/help")
    assert "/addmember" in await ask(bot, JAN, "/help")  # kept
    other = sqlite3.connect(make_url(services.settings.async_database_url).database)
    try:
        other.execute("DELETE FROM admin WHERE telegram_id = 5002")
        other.commit()
    finally:
        other.close()
    assert "only administrators" in await ask(bot, JAN, "/addmember GH Ghana")
