"""Migrations on an empty database, and a round trip through every table."""

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from storage import audit, db
from storage.models import (
    ActionItem,
    ActionNote,
    Admin,
    Attendance,
    AuditEntry,
    LinkCode,
    Meeting,
    Member,
    OutboxBody,
    OutboxMessage,
    Person,
    Role,
    ScheduledRun,
)
from storage.people import get_viewer
from storage.regions import region_for, un_member_states

NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)


def test_migrations_create_every_table_and_match_the_models(tmp_path):
    path = tmp_path / "empty.db"
    db.upgrade_sync(f"sqlite+aiosqlite:///{path}")
    db.upgrade_sync(f"sqlite+aiosqlite:///{path}")  # twice is harmless
    engine = create_engine(f"sqlite:///{path}")
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == [], "models changed without a migration"
    engine.dispose()


def test_the_schema_head_start_up_compares_with_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(db.MIGRATIONS)).get_heads() == [db.SCHEMA_HEAD]


def test_downgrade_then_upgrade(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    db.upgrade_sync(url)
    command.downgrade(db.alembic_config(url), "base")
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    db.upgrade_sync(url)


def test_the_outbox_bodies_move_to_their_own_table_and_back_unchanged(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    command.upgrade(db.alembic_config(url), "0007")
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    bodies = {1: "Subject: é\r\n\r\n" + "x" * 5000, 2: "a Telegram text"}
    with engine.begin() as connection:
        for row_id, body in bodies.items():
            connection.exec_driver_sql(
                "INSERT INTO outboxmessage (id, key, channel, recipient, kind, subject, body, "
                "status, attempts, next_attempt_at, created_at) VALUES (?, ?, 'email', "
                "'a@example.org', 'digest', '', ?, 'pending', 0, ?, ?)",
                (row_id, f"k{row_id}", body, "2007-07-02 07:00:00", "2007-07-02 07:00:00"))
    db.upgrade_sync(url)
    with engine.connect() as connection:
        assert dict(connection.exec_driver_sql("SELECT id, body FROM outboxbody").all()) == bodies
        columns = {c["name"] for c in inspect(connection).get_columns("outboxmessage")}
        assert "body" not in columns and {"key", "status"} <= columns
    command.downgrade(db.alembic_config(url), "0007")
    with engine.connect() as connection:
        moved_back = connection.exec_driver_sql("SELECT id, body FROM outboxmessage").all()
        assert dict(moved_back) == bodies
        assert "outboxbody" not in inspect(connection).get_table_names()
    engine.dispose()


def test_bundled_table_has_all_193_states_in_five_groups():
    states = un_member_states()
    assert len(states) == 193
    assert {s.region for s in states.values()} == {
        "African", "Asia-Pacific", "Eastern European", "Latin American and Caribbean",
        "Western European and Others",
    }
    assert region_for("be") == "Western European and Others"
    assert region_for("PH") == "Asia-Pacific"
    assert region_for("IOM") is None


async def test_round_trip_every_table(services):
    async with services.sessions.begin() as session:
        member = Member(code="BE", name="Belgium", region=region_for("BE"), steering=True,
                        troika="present", created_at=NOW)
        person = Person(name="Ana García", email="ana@example.org", telegram_id=5_000_000_001,
                        timezone="America/Mexico_City", created_at=NOW)
        session.add_all([member, person])
        await session.flush()
        meeting = Meeting(title="Global Forum", kind="summit", uid="m1@gfmd.example",
                          starts_at=datetime(2007, 7, 9, 7, tzinfo=UTC),
                          ends_at=datetime(2007, 7, 11, 16, tzinfo=UTC),
                          timezone="Europe/Brussels", location="Brussels",
                          created_at=NOW, updated_at=NOW)
        session.add(meeting)
        await session.flush()
        action = ActionItem(title="Pilot on measuring impacts", member_id=member.id,
                            assignee_id=person.id, due_date=date(2007, 12, 31),
                            meeting_id=meeting.id, created_at=NOW, updated_at=NOW)
        session.add_all([
            Role(person_id=person.id, member_id=member.id, role="focal_point"),
            Attendance(meeting_id=meeting.id, person_id=person.id, answer="yes", updated_at=NOW),
            LinkCode(person_id=person.id, telegram_id=42, code_hash="h", expires_at=NOW,
                     created_at=NOW),
            OutboxMessage(key="digest:2007-07-02:1", recipient="ana@example.org", kind="digest",
                          content=OutboxBody(body="..."), next_attempt_at=NOW, created_at=NOW),
            ScheduledRun(job="digest", scheduled_for=NOW, ran_at=NOW),
            action,
        ])
        await session.flush()
        session.add(ActionNote(action_id=action.id, author="cli", text="started", created_at=NOW))
        await audit.record(session, at=NOW, actor="cli", action="member.add", subject="BE",
                           after={"code": "BE", "name": "Belgium"})

    async with services.sessions() as session:
        loaded = (await session.exec(select(Meeting))).one()
        assert loaded.starts_at == datetime(2007, 7, 9, 7, tzinfo=UTC)
        assert loaded.starts_at.tzinfo is not None
        entry = (await session.exec(select(AuditEntry))).one()
        assert entry.after == {"code": "BE", "name": "Belgium"} and entry.actor == "cli"
        assert (await session.exec(select(ActionNote))).one().text == "started"
        message = (await session.exec(select(OutboxMessage))).one()
        assert message.status == "pending" and message.body == "..."  # its own table, joined
        viewer = await get_viewer(session, 5_000_000_001)
        assert viewer.is_linked and viewer.member_codes == ("BE",) and not viewer.is_admin
        admins = (await session.exec(select(Admin.telegram_id))).all()
        assert admins == [services.settings.admin_ids[0]]  # bootstrapped from FOF_ADMIN_IDS


async def test_unique_outbox_key_and_foreign_keys(services):
    async with services.sessions() as session:
        for _ in range(2):
            session.add(OutboxMessage(key="same", recipient="a@example.org", kind="digest",
                                      next_attempt_at=NOW, created_at=NOW))
        with pytest.raises(IntegrityError):
            await session.commit()
    async with services.sessions() as session:
        session.add(Role(person_id=999, member_id=999, role="focal_point"))
        with pytest.raises(IntegrityError):  # SQLite foreign keys are on
            await session.commit()


async def test_naive_datetimes_are_refused(services):
    async with services.sessions() as session:
        session.add(ScheduledRun(job="x", scheduled_for=datetime(2007, 7, 2), ran_at=NOW))
        with pytest.raises(Exception, match="naive"):
            await session.commit()


async def test_audit_since_skips_refusals(services):
    async with services.sessions.begin() as session:
        await audit.record(session, at=NOW, actor=1, action="denied", subject="addmember")
        await audit.record(session, at=NOW + timedelta(seconds=1), actor=2, action="member.add")
    async with services.sessions() as session:
        entries = await audit.since(session, NOW - timedelta(days=1))
    assert [e.action for e in entries] == ["member.add"]


def test_audit_describe_shows_only_what_changed():
    before = {"code": "MU", "steering": False, "troika": None}
    assert audit.describe(before, {**before, "steering": True}) == "steering: no → yes"
    assert audit.describe(None, {"code": "MU", "name": "Mauritius", "troika": None}) == (
        "new: code MU, name Mauritius"
    )
    assert audit.describe({"code": "MU"}, None) == "removed: code MU"
    assert audit.describe(None, None) == ""
