"""Sample data for the bot's tests: the first Global Forum, Brussels, July 2007."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot.offline import ApiCall, OfflineBot, user
from bot.services import Services
from storage.models import (
    ActionItem,
    AuditEntry,
    Meeting,
    Member,
    Person,
    Role,
)
from storage.regions import region_for
from tests.conftest import ADMIN, ADMIN_ID, DEMO_NOW, STRANGER

NOW = DEMO_NOW
ANA = user(5001, "Ana")  # Mexico's focal point, linked, in Mexico City
JAN = user(5002, "Jan")  # Belgium's focal point, linked (chair in office)
LIISA = user(5003, "Liisa")  # Finland's focal point, linked
MARIA = user(5005, "Maria")  # the Philippines' focal point, linked
DELEGATE = STRANGER
GROUP_CHAT = -100123
BROKEN = "something went wrong"

__all__ = ["ADMIN", "ADMIN_ID", "ANA", "DELEGATE", "JAN", "LIISA", "MARIA", "NOW", "Seed"]


def at(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2007, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Seed:
    summit: int  # Global Forum, Brussels, 9-11 July, for all
    steering: int  # steering group, 5 July, steering members only
    troika: int  # troika call, 20 July
    past: int  # a June meeting, over
    pilot: int  # Finland's pilot on measuring impacts (open)
    study: int  # Bangladesh's feasibility study (overdue)
    report: int  # Belgium's report (in progress)
    closed: int  # Mexico's done action


async def seed(services: Services) -> Seed:
    async with services.sessions.begin() as session:
        def member(code: str, name: str, **kw) -> Member:
            kind = "state" if region_for(code) else "organisation"
            return Member(code=code, name=name, region=region_for(code), kind=kind,
                          created_at=NOW, **kw)

        members = {
            "BE": member("BE", "Belgium", steering=True, troika="present"),
            "PH": member("PH", "Philippines", steering=True, troika="future"),
            "FI": member("FI", "Finland", steering=True),
            "MX": member("MX", "Mexico", steering=True),
            "BD": member("BD", "Bangladesh"),
            "GH": member("GH", "Ghana"),
            "IOM": member("IOM", "International Organization for Migration"),
        }
        people = {
            "MX": Person(name="Ana García", email="ana.garcia@sre.example.mx", telegram_id=5001,
                         timezone="America/Mexico_City", created_at=NOW),
            "BE": Person(name="Jan Peeters", email="jan.peeters@diplobel.example",
                         telegram_id=5002, timezone="Europe/Brussels", created_at=NOW),
            "FI": Person(name="Liisa Virtanen", email="liisa.virtanen@formin.example",
                         telegram_id=5003, timezone="Europe/Helsinki", created_at=NOW),
            "BD": Person(name="Rahim Chowdhury", email="rahim@mofa.example.bd", created_at=NOW),
            "PH": Person(name="Maria Santos", email="maria.santos@dfa.example.ph",
                         telegram_id=5005, timezone="Asia/Manila", created_at=NOW),
        }
        session.add_all([*members.values(), *people.values()])
        await session.flush()
        for code, person in people.items():
            session.add(Role(person_id=person.id, member_id=members[code].id,
                             role="focal_point"))

        def meeting(title: str, start: datetime, end: datetime, **kw) -> Meeting:
            return Meeting(title=title, starts_at=start, ends_at=end, uid=f"{title}@test",
                           timezone="Europe/Brussels", created_at=NOW, updated_at=NOW, **kw)

        meetings = [
            meeting("Global Forum on Migration and Development", at(9, 7), at(11, 16),
                    location="Egmont Palace, Brussels", kind="summit", audience="all"),
            meeting("Steering group", at(5, 12), at(5, 14), location="Brussels",
                    kind="steering", audience="steering"),
            meeting("Troika call", at(20, 13), at(20, 14), location="Telephone",
                    kind="troika", audience="troika"),
            meeting("Friends of the Forum, June", at(15, 8, month=6), at(15, 10, month=6),
                    location="Geneva", audience="all"),
        ]
        session.add_all(meetings)

        def action(code: str, title: str, due: date, **kw) -> ActionItem:
            return ActionItem(title=title, member_id=members[code].id, due_date=due,
                              created_at=NOW, updated_at=NOW, **kw)

        items = [
            action("FI", "Pilot on measuring the impacts of migration on development",
                   date(2007, 9, 30)),
            action("BD", "Feasibility study on lowering remittance costs", date(2007, 6, 29)),
            action("BE", "Circulate the Global Forum report", date(2007, 7, 31),
                   status="in_progress"),
            action("MX", "Send the roundtable background paper", date(2007, 6, 1),
                   status="done"),
        ]
        session.add_all(items)
        await session.flush()
        return Seed(*(m.id for m in meetings), *(i.id for i in items))


@pytest.fixture(name="data")
async def data_fixture(services: Services) -> Seed:
    """The sample data; import `data_fixture` in a test module to use the `data` fixture."""
    return await seed(services)


def texts(calls: list[ApiCall]) -> str:
    """Every text the bot sent, edited or answered in these calls, joined."""
    return "\n".join(OfflineBot.texts(calls))


def check_sane(calls: list[ApiCall]) -> None:
    """No unhandled error reached the user and nothing went over Telegram's limits."""
    for call in calls:
        assert BROKEN not in call.text, call.text
        if call.method in ("sendMessage", "editMessageText"):
            assert 0 < len(call.text) <= 4096, len(call.text)
        for _label, data in call.buttons:
            assert len(data.encode()) <= 64, data


async def ask(bot: OfflineBot, who: dict, text: str, chat_id: int | None = None) -> str:
    calls = await bot.send(who, text, chat_id)
    check_sane(calls)
    return texts(calls)


async def count(services: Services, model, *where) -> int:
    async with services.sessions() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return (await session.exec(query)).one()


async def audits(services: Services, action: str | None = None) -> list[AuditEntry]:
    async with services.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list((await session.exec(query)).all())


async def snapshot_db(services: Services) -> dict[str, list]:
    """Everything but the audit log, to compare before and after a refused command."""
    from storage.models import ActionNote, Admin, Attendance, LinkCode, OutboxMessage

    result = {}
    async with services.sessions() as session:
        for model in (Member, Person, Role, Meeting, ActionItem, ActionNote, Attendance, Admin,
                      LinkCode, OutboxMessage):
            rows = (await session.exec(select(model))).all()
            result[model.__name__] = sorted(
                (tuple(sorted(r.model_dump().items(), key=lambda kv: kv[0])) for r in rows),
                key=repr)
    return result
