"""The authorisation matrix: every command, button, plain question and file upload, asked by each
role in a private chat and in a group, against ONE table of what each may do.

The table is written out, not derived from handlers/registry.py: a registry change that widens
(or narrows) access makes a cell fail. Roles (tests/roles.py): an unknown user, a delegate (a
linked contact of no member), the contacts of two members (OTHER: Mexico, OWNER: Belgium, which
owns action item 3) and an administrator without a contact record.

Cells: ok allowed (answered, no refusal); no refused (the refusal sentence alone, audited,
nothing else changed); ln "link your account first", nothing changed; pv "ask me in a private
chat", nothing changed; ow refused by the owner rule (another member's action item), nothing
changed; -- silence (groups: plain text and files are not for the bot), nothing changed.
"""

from __future__ import annotations

import pytest

from handlers.guard import LINK_FIRST, PRIVATE_ONLY, REFUSED
from handlers.registry import BUTTONS, BY_NAME, COMMANDS, IMPORT
from tests.fixtures_bot import data_fixture  # noqa: F401
from tests.roles import (
    CHATS,
    OWNER_ONLY,
    ROLES,
    ErrorRecorder,
    add_delegate,
    button_update,
    document_update,
    exchange,
    snapshot,
    text_update,
)

CSV = b"code,name\nSN,Senegal\n"
# input                                               private: unknown delegate other owner admin
#                                                     group:   unknown delegate other owner admin
TABLE: list[tuple[str, str, str]] = [
    # Everyone (groups get public commands only: /start, /link and /verify are private)
    ("/start",                                          "ok ok ok ok ok", "pv pv pv pv pv"),
    ("/help",                                           "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/next",                                           "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/meetings",                                       "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/meeting 1",                                      "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/members African",                                "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/steering",                                       "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/troika",                                         "ok ok ok ok ok", "ok ok ok ok ok"),
    ("/link nobody@example.org",                        "ok ok ok ok ok", "pv pv pv pv pv"),
    ("/verify 123456",                                  "ok ok ok ok ok", "pv pv pv pv pv"),
    # Linked contacts and administrators, in private chats
    ("/whoami",                                         "ln ok ok ok ok", "pv pv pv pv pv"),
    ("/focal Mexico",                                   "ln ok ok ok ok", "pv pv pv pv pv"),
    ("/actions overdue",                                "ln ok ok ok ok", "pv pv pv pv pv"),
    ("/action 2",                                       "ln ok ok ok ok", "pv pv pv pv pv"),
    ("/settings",                                       "ln ok ok ok ok", "pv pv pv pv pv"),
    # ... changing an action item: its member's contacts and administrators only
    ("/done 3 report sent",                             "ln ow ow ok ok", "pv pv pv pv pv"),
    ("/note 3 draft circulated",                        "ln ow ow ok ok", "pv pv pv pv pv"),
    # Administrators, in private chats
    ("/addmember SN Senegal",                           "no no no no ok", "no no no no pv"),
    ("/addmember",                                      "no no no no ok", "no no no no pv"),
    ("/removemember GH",                                "no no no no ok", "no no no no pv"),
    ("/setfocal GH kofi.mensah@example.org Kofi Mensah", "no no no no ok", "no no no no pv"),
    ("/setfocal",                                       "no no no no ok", "no no no no pv"),
    ("/steering add GH",                                "no no no no ok", "no no no no pv"),
    ("/troika past GH",                                 "no no no no ok", "no no no no pv"),
    ("/addmeeting 2007-10-02 10:00 Asia/Manila | Steering group | Manila | steering",
                                                        "no no no no ok", "no no no no pv"),
    ("/addmeeting",                                     "no no no no ok", "no no no no pv"),
    ("/movemeeting 3 2007-07-23 16:00",                 "no no no no ok", "no no no no pv"),
    ("/cancelmeeting 3",                                "no no no no ok", "no no no no pv"),
    ("/addaction FI 2007-12-31 Pilot on measuring impacts",
                                                        "no no no no ok", "no no no no pv"),
    ("/addaction",                                      "no no no no ok", "no no no no pv"),
    ("/admin add 123456789",                            "no no no no ok", "no no no no pv"),
    ("/admins",                                         "no no no no ok", "no no no no pv"),
    ("/attendance 1",                                   "no no no no ok", "no no no no pv"),
    ("/digest preview",                                 "no no no no ok", "no no no no pv"),
    ("/outbox",                                         "no no no no ok", "no no no no pv"),
    ("/audit 5",                                        "no no no no ok", "no no no no pv"),
    # Plain questions: private chats only; the linked ones for linked contacts
    ("who is the focal point for Mexico?",              "ln ok ok ok ok", "-- -- -- -- --"),
    ("when is the next meeting?",                       "ok ok ok ok ok", "-- -- -- -- --"),
    # A CSV file is an import: administrators, private chats
    ("file:members.csv",                                "no no no no ok", "-- -- -- -- --"),
    # Buttons (the administrator has no contact record, so cannot answer an invitation)
    ("button:pg:1:0",                                   "ok ok ok ok ok", "ok ok ok ok ok"),
    ("button:att:1:yes",                                "ln ok ok ok ln", "ln ok ok ok ln"),
    ("button:set:reminders:off",                        "ln ok ok ok ok", "pv pv pv pv pv"),
    ("button:cxm:no",                                   "no no no no ok", "no no no no pv"),
    ("button:rmm:no",                                   "no no no no ok", "no no no no pv"),
    ("button:imp:no",                                   "no no no no ok", "no no no no pv"),
    ("button:outbox:retry",                             "no no no no ok", "no no no no pv"),
    ("button:cal:renew",                                "ln ok ok ok ok", "pv pv pv pv pv"),
    ("button:dig:no:1",                                 "no no no no ok", "no no no no pv"),
    ("button:pick_focal:1:MX",                          "ln ok ok ok ok", "pv pv pv pv pv"),
    ("button:pick_actions:1:MX",                        "ln ok ok ok ok", "pv pv pv pv pv"),
    ("button:pick_removemember:1:MX",                   "no no no no ok", "no no no no pv"),
    ("button:pick_setfocal:1:MX",                       "no no no no ok", "no no no no pv"),
    ("button:pick_steering:1:MX",                       "no no no no ok", "no no no no pv"),
    ("button:pick_troika:1:MX",                         "no no no no ok", "no no no no pv"),
    ("button:pick_addaction:1:MX",                      "no no no no ok", "no no no no pv"),
]
CELLS = ("ok", "no", "ln", "pv", "ow", "--")
LINK_SENTENCES = (LINK_FIRST, "Link your account first")
REFUSALS = (REFUSED, PRIVATE_ONLY, OWNER_ONLY, *LINK_SENTENCES)


def cells(private: str, group: str) -> list[tuple[str, str, str]]:
    """(role, chat, expected) for the ten cells of a row."""
    found = []
    for chat, row in (("private", private), ("group", group)):
        for role, expected in zip(ROLES, row.split(), strict=True):
            assert expected in CELLS, expected
            found.append((role, chat, expected))
    return found


def refused_subject(what: str) -> str:
    """The audit subject of a refusal: the command, or the access name of a button or file."""
    if what.startswith("button:"):
        prefix = what.removeprefix("button:").split(":")[0]
        button = next(b for b in BUTTONS if b.prefix == prefix)
        assert button.access is not None
        return button.access.name
    if what.startswith("file:"):
        return IMPORT.name
    return what.split()[0].removeprefix("/")


def payload_for(bot, what: str, who: dict, chat: int | None) -> dict:
    if what.startswith("button:"):
        return button_update(bot, who, what.removeprefix("button:"), chat)
    if what.startswith("file:"):
        return document_update(bot, who, what.removeprefix("file:"), CSV, chat)
    return text_update(bot, who, what, chat)


def check_cell(what: str, role: str, expected: str, result, before, after) -> None:
    """One cell: what the reply and the database show against what the table expects."""
    where = f"{what!r} by {role}: expected {expected}, got {result.texts}"
    assert not result.errors, f"{where}; errors {result.errors}"
    if expected == "--":
        assert result.calls == [], where
    else:
        assert result.replied, where
    if expected == "ok":
        assert not any(r in t for t in result.texts for r in REFUSALS), where
        return
    assert before.db == after.db, f"{where}: the database changed"
    assert before.changes == after.changes, f"{where}: the audit log changed"
    texts = result.texts
    if expected == "no":
        assert texts == [REFUSED], where
    elif expected == "pv":
        assert texts == [PRIVATE_ONLY], where
    elif expected == "ln":
        assert len(texts) == 1 and any(s in texts[0] for s in LINK_SENTENCES), where
    elif expected == "ow":
        assert len(texts) == 1 and OWNER_ONLY in texts[0], where


@pytest.mark.parametrize(("what", "private", "group"), TABLE, ids=[row[0] for row in TABLE])
async def test_who_may_do_what(bot, services, data, what, private, group):
    await add_delegate(services)
    after = await snapshot(services)
    with ErrorRecorder(bot.app) as recorder:
        for role, chat, expected in cells(private, group):
            who, before = ROLES[role], after
            result = await exchange(bot, recorder, payload_for(bot, what, who, CHATS[chat]))
            after = await snapshot(services)
            check_cell(what, f"{role} in {chat}", expected, result, before, after)
            if expected == "no":  # audited: an entry for the attempt (repeats may aggregate)
                assert any(actor == str(who["id"]) and subject == refused_subject(what)
                           for _id, actor, _action, subject, *_ in after.denials), \
                    (what, role, chat, "not audited")
            else:
                assert after.denials == before.denials, (what, role, chat, "audited as refused")
            if any("Send /cancel to stop" in t for t in result.texts):
                await exchange(bot, recorder, text_update(bot, who, "/cancel", CHATS[chat]))
                after = await snapshot(services)


def registry_row(what: str):
    """The registry row a typed command goes to (with arguments: the `with_args` row if any)."""
    name, *args = what.split()
    name = name.removeprefix("/")
    return (args and BY_NAME.get((name, True))) or BY_NAME[name, False]


def test_the_table_covers_the_registry():
    """Every registry row, every button prefix and the import are in the table."""
    rows = {registry_row(w) for w, _, _ in TABLE if w.startswith("/")}
    assert rows == set(COMMANDS)
    prefixes = {w.removeprefix("button:").split(":")[0] for w, _, _ in TABLE
                if w.startswith("button:")}
    assert prefixes == {b.prefix for b in BUTTONS}
    assert any(w.startswith("file:") for w, _, _ in TABLE)


def test_the_registry_roles_are_the_tables():
    """The role each registry row declares is the one its row in the table implies (from how
    the unknown user and the delegate fare in private): a registry row made more open, or more
    closed, fails here with its name."""
    implied = {("ok", "ok"): "everyone", ("ln", "ok"): "linked", ("ln", "ow"): "linked",
               ("no", "no"): "admin"}
    for what, private, _group in TABLE:
        if what.startswith("/"):
            unknown, delegate, *_ = private.split()
            assert implied[unknown, delegate] == registry_row(what).role, what
