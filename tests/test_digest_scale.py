"""The digest at scale: a fixed number of SQL statements whatever the number of recipients, what
changed kept to a few lines, and scoped to the reader. (Counts, never timings.)"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from bot.cli import import_cli
from bot.mail.digest import QUEUED, build_digests
from bot.mail.digest_changes import HANDFUL
from storage import members

CHANGES = "WHAT CHANGED SINCE YOUR LAST DIGEST"


def _contacts(count: int, steering_every: int = 10) -> str:
    rows = ["code,name,steering,troika,focal_email,focal_name,timezone"]
    for n in range(count):
        steering = "yes" if n % steering_every == 0 else "no"
        rows.append(f"M{n:03d},Member {n},{steering},,fp{n}@example.org,Focal Point {n},"
                    f"Europe/Brussels")
    return "\n".join(rows) + "\n"


async def _import(settings, clock, tmp_path, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert await import_cli(settings, path, dry_run=False, assume_yes=True, clock=clock) == 0


@contextmanager
def _statements(services):
    """Every SQL statement the engine sends while the block runs."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _changes(text: str) -> list[str]:
    """The lines under 'what changed' in a digest's plain text."""
    if CHANGES not in text:
        return []
    section = text.split(CHANGES, 1)[1].split("\n\n", 1)[0]
    return [line for line in section.splitlines() if line.startswith("* ")]


def _by_email(report) -> dict[str, str]:
    return {entry.email: entry.text for entry in report.entries}


async def test_the_same_statements_for_20_and_for_200_recipients(settings, services, clock,
                                                                 tmp_path, capsys):
    await _import(settings, clock, tmp_path, _contacts(20), "twenty.csv")
    clock.advance(timedelta(days=1))
    with _statements(services) as small:
        twenty = await build_digests(services, clock.now())
    clock.advance(timedelta(hours=1))
    await _import(settings, clock, tmp_path, _contacts(200), "two-hundred.csv")
    clock.advance(timedelta(days=1))
    with _statements(services) as large:
        two_hundred = await build_digests(services, clock.now())
    assert (twenty.count(QUEUED), two_hundred.count(QUEUED)) == (20, 200)
    assert len(small) == len(large), (small, large)
    assert len(large) < 20  # a handful per run, not one (or more) per recipient


async def test_after_a_200_member_import_a_digest_has_a_few_lines_of_changes(
        settings, services, clock, tmp_path, capsys):
    await _import(settings, clock, tmp_path, _contacts(200), "contacts.csv")
    clock.advance(timedelta(days=1))
    report = await build_digests(services, clock.now(), dry_run=True)
    assert len(report.entries) == 200
    for text in _by_email(report).values():
        changes = _changes(text)
        assert 1 <= len(changes) <= 3, changes
        assert "200 members added" in changes[0]
        assert "New member:" not in text


async def test_members_added_one_by_one_are_summarised(settings, services, clock, tmp_path,
                                                      capsys):
    await _import(settings, clock, tmp_path, _contacts(3), "contacts.csv")
    clock.advance(timedelta(hours=1))
    async with services.sessions.begin() as session:
        for n in range(14):
            await members.add_member(session, code=f"N{n:02d}", name=f"Newcomer {n}",
                                     actor="cli", now=clock.now())
    clock.advance(timedelta(days=1))
    texts = _by_email(await build_digests(services, clock.now(), dry_run=True))
    changes = _changes(texts["fp1@example.org"])
    assert "* 14 members joined: see /members" in changes
    assert not any(line.startswith("* New member:") for line in changes)
    assert len(changes) <= 3
    # a handful or fewer stay one line each
    clock.advance(timedelta(hours=1))
    await build_digests(services, clock.now())
    async with services.sessions.begin() as session:
        for n in range(HANDFUL):
            await members.add_member(session, code=f"P{n:02d}", name=f"Partner {n}",
                                     actor="cli", now=clock.now() + timedelta(minutes=1))
    clock.advance(timedelta(days=1))
    texts = _by_email(await build_digests(services, clock.now(), dry_run=True))
    changes = _changes(texts["fp1@example.org"])
    assert [line for line in changes if line.startswith("* New member:")] == [
        f"* New member: Partner {n} (P{n:02d})" for n in range(HANDFUL)]


async def test_what_changed_is_scoped_to_the_reader(settings, services, clock, tmp_path,
                                                    capsys):
    # M000 is on the steering group (every tenth member), M001 and M002 are not
    await _import(settings, clock, tmp_path, _contacts(3), "contacts.csv")
    clock.advance(timedelta(days=1))
    await build_digests(services, clock.now())  # what the import changed is read
    clock.advance(timedelta(hours=1))
    async with services.sessions.begin() as session:
        await members.set_steering(session, code="M002", on=True, actor="cli", now=clock.now())
        await members.set_focal(session, code="M001", email="new.fp1@example.org",
                                name="New Focal Point", actor="cli", now=clock.now())
    clock.advance(timedelta(days=1))
    texts = _by_email(await build_digests(services, clock.now(), dry_run=True))
    joined = "* Joined the steering group: Member 2 (M002)"
    focal = "* New focal point for M001"
    steering_reader = _changes(texts["fp0@example.org"])
    assert joined in steering_reader and focal not in steering_reader
    assert _changes(texts["fp2@example.org"]) == [joined]  # their own member's change
    new_focal_point = _changes(texts["new.fp1@example.org"])
    assert focal in new_focal_point and joined not in new_focal_point
