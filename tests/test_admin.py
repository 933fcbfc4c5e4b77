"""Administrators: refusals for everyone else, /admin, /admins, /audit, and the command menu."""

import json

import pytest
from sqlmodel import select

from bot.offline import user
from handlers.commands import ADMIN as ADMIN_ROLE
from handlers.menus import set_bot_commands
from handlers.registry import COMMANDS
from storage.models import Admin
from tests.fixtures_bot import (
    ADMIN,
    ADMIN_ID,
    DELEGATE,
    JAN,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)

# Every administrator command, with arguments that an administrator could use.
ADMIN_COMMANDS = [
    "/addmember GH Ghana",
    "/addmember",
    "/removemember BD",
    "/setfocal GH kofi.mensah@example.org Kofi Mensah",
    "/setfocal",
    "/steering add GH",
    "/steering remove BE",
    "/troika past GH",
    "/addmeeting 2007-10-02 10:00 Asia/Manila | Steering group | Manila | steering",
    "/addmeeting",
    "/movemeeting 3 2007-07-23 16:00",
    "/cancelmeeting 3",
    "/addaction FI 2007-12-31 Pilot on measuring impacts",
    "/addaction",
    "/admin add 5001",
    "/admin remove 900001",
    "/admins",
    "/attendance 1",
    "/audit 10",
    "/digest",
    "/digest preview",
    "/outbox",
]
ADMIN_BUTTONS = ["rmm:BD", "cxm:3", "imp:1", "outbox:retry"]


def as_json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_every_admin_command_of_help_is_covered():
    covered = {c.split()[0][1:] for c in ADMIN_COMMANDS}
    listed = {c.name for c in COMMANDS if c.role == ADMIN_ROLE}
    assert listed - covered == set()


@pytest.mark.parametrize("who", [DELEGATE, JAN], ids=["delegate", "linked contact"])
async def test_admin_commands_refused_to_non_admins(bot, services, data, who):
    before = await snapshot_db(services)
    for command in ADMIN_COMMANDS:
        calls = await bot.send(who, command)
        check_sane(calls)
        assert texts(calls) == "Sorry, only administrators of the support structure may do " \
                               "this.", command
    for data_ in ADMIN_BUTTONS:
        calls = await bot.click(who, data_)
        assert "only administrators" in texts(calls), data_
    calls = await bot.upload(who, "members.csv", b"code,name\nGH,Ghana\n")
    assert "only administrators" in texts(calls)
    assert await snapshot_db(services) == before
    denied = await audits(services, "denied")
    attempts = len(ADMIN_COMMANDS) + len(ADMIN_BUTTONS) + 1
    assert sum(e.after.get("count", 1) for e in denied) == attempts  # every refusal is counted
    assert len(denied) == len({e.subject for e in denied}) < attempts  # once per command
    assert {e.actor for e in denied} == {str(who["id"])}
    assert denied[0].subject == "addmember"
    assert denied[0].after["attempted"] == "/addmember GH Ghana"


async def test_admin_add_and_remove(bot, services, data):
    calls = await bot.send(ADMIN, "/admin add 5002")
    assert "5002 is now an administrator" in texts(calls)
    menus = [c for c in calls if c.method == "setMyCommands"]
    assert [as_json(c.params["scope"]) for c in menus] == [{"type": "chat", "chat_id": 5002}] * 3
    assert [c.params.get("language_code") for c in menus] == [None, "fr", "es"]
    assert "/addmember" in await ask(bot, JAN, "/help")
    text = await ask(bot, ADMIN, "/admins")
    assert "“Support” (Telegram name, 900001)" in text and "• Jan Peeters (5002)" in text
    assert "already an administrator" in await ask(bot, ADMIN, "/admin add 5002")
    assert "cannot remove yourself" in await ask(bot, ADMIN, f"/admin remove {ADMIN_ID}")
    calls = await bot.send(JAN, f"/admin remove {ADMIN_ID}")
    assert "is no longer an administrator" in texts(calls)
    assert any(c.method == "deleteMyCommands" for c in calls)
    async with services.sessions() as session:
        assert [a.telegram_id for a in (await session.exec(select(Admin))).all()] == [5002]
    assert "900001 is not an administrator" in await ask(bot, JAN, f"/admin remove {ADMIN_ID}")
    assert [e.action for e in await audits(services)][-2:] == ["admin.add", "admin.remove"]


async def test_last_admin_stays(bot, services, data):
    await ask(bot, ADMIN, "/admin add 5002")
    await ask(bot, JAN, f"/admin remove {ADMIN_ID}")
    await ask(bot, ADMIN, "/help")  # no longer admin
    assert "only administrators" in await ask(bot, ADMIN, "/admin add 900001")
    assert "cannot remove yourself" in await ask(bot, JAN, "/admin remove 5002")


async def test_audit_shows_before_and_after(bot, services, data):
    await ask(bot, ADMIN, "/troika present MX")
    await ask(bot, DELEGATE, "/addmember XX Nowhere")
    text = await ask(bot, ADMIN, "/audit 2")
    assert "<b>Latest 2 changes</b> (times in Europe/Brussels)" in text
    assert ("• Mon 2 Jul 2007, 09:00: “Stranger” (Telegram name, 900999) was refused "
            "/addmember: “/addmember XX Nowhere”") in text
    assert ("“Support” (Telegram name, 900001) gave the present troika seat to MX "
            "(it was BE’s)") in text
    assert "between 1 and 200" in await ask(bot, ADMIN, "/audit 5000")


async def test_set_bot_commands_per_scope(bot, services, data):
    await ask(bot, ADMIN, "/admin add 5002")
    bot.request.clear()
    await set_bot_commands(bot.app)
    calls = bot.request.sent("setMyCommands")
    scopes = [as_json(c.params["scope"]) for c in calls]
    assert scopes == [{"type": "default"}] * 3 + [{"type": "chat", "chat_id": ADMIN_ID}] * 3 \
        + [{"type": "chat", "chat_id": 5002}] * 3  # English (the default), French, Spanish
    assert [c.params.get("language_code") for c in calls] == [None, "fr", "es"] * 3
    commands = [as_json(c.params["commands"]) for c in calls]
    default = [c["command"] for c in commands[0]]
    admin = [c["command"] for c in commands[3]]
    assert "meetings" in default and "whoami" in default and "addmember" not in default
    assert "addmember" in admin and "audit" in admin
    assert len(admin) == len(set(admin))  # steering and troika appear once


async def test_unknown_command(bot):
    assert "I do not know that command" in await ask(bot, DELEGATE, "/frobnicate now")


async def test_help_examples_follow_the_role(bot, data):
    text = await ask(bot, JAN, "/help")
    assert "<b>For linked contacts</b>" in text and "<code>/focal Mexico</code>" in text
    assert "For administrators" not in text
    text = await ask(bot, user(42424242, "New"), "/help")
    assert "/link" in text and "/done" not in text
