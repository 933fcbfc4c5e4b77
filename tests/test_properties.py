"""Property tests (hypothesis): random text and arguments to every command of the registry,
random callback data to every button, random plain questions, random answers to the guided
forms and random CSV files to the import, from several roles in private chats and in a group.

Whatever the input (tests/roles.py defines the forms of a reply):
- the bot answers: at least one sendMessage, answerCallbackQuery or editMessageText, except in
  the documented silent cases (plain text and files in a group; callback data that no registered
  handler takes);
- no handler raises: the Application's error handler (handlers.common.on_error) never fires;
- every reply is valid Telegram HTML within Telegram's limits;
- an invalid input (a reply with an error form) changes nothing in the database; nor does a
  command from someone its registry row does not allow, nor one that only reads;
- no reply shows a contact's email in a group or to someone neither linked nor administrator;
- /digest with typed arguments other than `preview` queues no mail (issue 8, point 1).

Each test shares one database across its examples: every example compares the database before
and after itself, so what earlier examples changed does not matter. pytest-asyncio runs an
async @given test on the test's event loop, one example at a time (its AsyncHypothesisTest
item), so the function-scoped fixtures (the Application, the database) serve every example.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from sqlmodel import delete
from telegram.ext import CommandHandler

from bot import importer
from bot.clock import FixedClock
from bot.offline import OfflineBot
from bot.ops import people as people_ops
from bot.services import Services
from handlers.commands import EVERYONE, LINKED
from handlers.common import esc
from handlers.registry import BUTTONS, BY_NAME, COMMANDS
from storage.models import Member, OutboxBody, OutboxMessage
from storage.people import Viewer
from tests.fixtures_bot import count, data_fixture, snapshot_db  # noqa: F401
from tests.roles import (
    CHANGES_LINK_CODES,
    CHATS,
    ROLES,
    ErrorRecorder,
    Exchange,
    add_delegate,
    button_update,
    callback_data,
    document_update,
    exchange,
    handled,
    html_problem,
    text_update,
)

STEP = timedelta(seconds=5)


def examples(n: int):
    """Bounded and fast: a shared database (function-scoped fixtures) and no deadline."""
    return settings(max_examples=n, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


class World:
    """The Application, its database and its clock, shared by the examples of one test."""

    def __init__(self, bot: OfflineBot, services: Services, clock: FixedClock,
                 recorder: ErrorRecorder, state: dict[str, list]) -> None:
        self.bot, self.services, self.clock, self.recorder = bot, services, clock, recorder
        self.state = state  # the database after the last input

    def __repr__(self) -> str:  # a failing example prints this, not the whole database
        return "<the shared Application and database>"

    async def send(self, payload: dict) -> tuple[dict, Exchange, dict]:
        """One update, with the database before and after it. The clock moves on a few seconds
        first: a burst of updates from one user is not what these properties are about."""
        self.clock.advance(STEP)
        before = self.state
        result = await exchange(self.bot, self.recorder, payload)
        self.state = await snapshot_db(self.services)
        return before, result, self.state

    async def forget_mail(self) -> None:
        async with self.services.sessions.begin() as session:
            await session.exec(delete(OutboxBody))  # the bodies first: they name their row
            await session.exec(delete(OutboxMessage))
        self.state = await snapshot_db(self.services)

    async def close_form(self, result: Exchange, who: dict, chat: int | None) -> None:
        """Leave a guided form a command opened, so the next input starts outside it."""
        if any("Send /cancel to stop" in t for t in result.texts):
            await exchange(self.bot, self.recorder, text_update(self.bot, who, "/cancel", chat))


@pytest.fixture
async def world(bot, services, clock, data):
    await add_delegate(services)
    with ErrorRecorder(bot.app) as recorder:
        yield World(bot, services, clock, recorder, await snapshot_db(services))


def check(what: object, before: dict, result: Exchange, after: dict, *,
          silent: bool = False, read_only: bool = False) -> None:
    """The invariants every input keeps (see the module's docstring)."""
    assert result.problems() == [], (what, result.problems())
    if silent:
        assert result.calls == [], (what, result.texts)
    else:
        assert result.replied, (what, "no reply")
    if read_only or silent:
        assert after == before, (what, result.texts, "a read changed the database")
    if result.invalid:
        if any(mark in t for t in result.texts for mark in CHANGES_LINK_CODES):
            assert without(after, "LinkCode") == without(before, "LinkCode"), (what, result.texts)
        else:
            assert after == before, (what, result.texts, "an invalid input changed it")


def without(state: dict[str, list], table: str) -> dict[str, list]:
    return {k: v for k, v in state.items() if k != table}


def check_no_leak(what: object, typed: str, result: Exchange, state: dict, *,
                  may_see: bool) -> None:
    """Contact details (emails) are shown only in private chats and only to linked contacts
    and administrators (DESIGN.md); echoing what the user typed is no leak."""
    if may_see:
        return
    emails = [dict(row)["email"] for row in state["Person"]]
    for text in result.texts:
        shown = [e for e in emails if e in text.lower() and e not in typed.lower()]
        assert not shown, (what, shown, text)


async def who_is(world: World, who: str) -> Viewer:
    """The role as the database has it now (an earlier example may have made someone an
    administrator)."""
    return await people_ops.viewer(world.services, ROLES[who]["id"])


def permitted(name: str, args: str, viewer: Viewer, where: str) -> bool:
    """Whether the registry's row lets this viewer use the command here."""
    row = BY_NAME.get((name, True)) if args.split() else None
    row = row or BY_NAME.get((name, False))
    if row is None or row.role == EVERYONE:  # /cancel
        return True
    if where == "group":
        return False
    return viewer.is_admin or (row.role == LINKED and viewer.is_linked)


# --- what users type -----------------------------------------------------------------------

WORDS = [
    "1", "2", "3", "4", "0", "-1", "007", "999999999", "1234567890123456", "99999999999999999999",
    "٣", "²", "1.5", "BE", "MX", "GH", "FI", "IOM", "ZZ", "be", "Belgium", "mexico", "Belgique",
    "Luxembourg", "add", "remove", "preview", "past", "present", "future", "open", "overdue",
    "mine", "all", "steering", "troika", "digest", "reminders", "timezone", "zone", "language",
    "daily", "weekly", "never", "on", "off", "en", "fr", "es", "Français", "Europe/Brussels",
    "Europe/Geneva", "Asia/Manila", "UTC", "Geneva", "../etc/passwd", "/etc", "2007-07-15",
    "2007-02-30", "2007-13-01", "1999-01-01", "2101-01-01", "2007-03-25", "10:00", "02:30",
    "25:00", "24:00", "9:5", "|", "-", "ana.garcia@sre.example.mx", "nobody@example.org",
    "bad@", "@", "123456", "000000", "<b>", "</i>", "&", "&amp;", "\u200b", "\u202e", "\ufeff",
    "\x00", "'", '"', "--", "@fof_bot", "African", "afrika", "WEOG", "skip", "yes", "no",
]
word = st.one_of(st.sampled_from(WORDS), st.text(max_size=12),
                 st.integers(-10, 10**12).map(str))
arguments = st.one_of(
    st.lists(word, max_size=6).map(" ".join),
    st.lists(st.lists(word, max_size=3).map(" ".join), min_size=2, max_size=6).map(" | ".join),
    st.text(max_size=300),
    st.text(min_size=1, max_size=4).map(lambda t: t * 1000),  # up to Telegram's 4096
)
# A command as typed, or addressed to this bot or to another bot in the chat.
ADDRESSED = st.sampled_from(["", "", "", "@fof_bot", "@other_bot"])
COMMAND_NAMES = sorted({c.name for c in COMMANDS} | {"cancel"})
# Commands that only read, whatever their arguments (/steering and /troika with arguments
# change the steering group and the troika).
READ_ONLY = {"start", "help", "next", "meetings", "meeting", "members", "whoami", "focal",
             "actions", "action", "admins", "attendance", "outbox", "audit", "cancel"}
role = st.sampled_from(sorted(ROLES))
chat = st.sampled_from(sorted(CHATS))


@examples(12)
@given(who=role, where=chat, draw=st.data())
async def test_every_command_with_random_arguments(world, who, where, draw):
    """Each example sends every command of the registry once, each with its own arguments.
    A command addressed to another bot gets no answer (python-telegram-bot leaves it)."""
    for name in COMMAND_NAMES:
        args = draw.draw(arguments, label=name)
        address = draw.draw(ADDRESSED, label="addressed to")
        text = f"/{name}{address} {args}"[:4096].strip()
        viewer = await who_is(world, who)
        before, result, after = await world.send(
            text_update(world.bot, ROLES[who], text, CHATS[where]))
        what = (text[:200], who, where)
        check(what, before, result, after, read_only=name in READ_ONLY,
              silent=address == "@other_bot")
        if not permitted(name, args, viewer, where):
            assert after == before, (what, result.texts, "changed by someone not allowed")
        check_no_leak(what, text, result, after, may_see=where == "private" and (
            viewer.is_linked or viewer.is_admin))
        await world.close_form(result, ROLES[who], CHATS[where])


@examples(15)
@given(args=arguments)
async def test_typed_digest_arguments_never_send(world, args):
    """Only /digest preview (to the asking administrator) or the confirmation button sends:
    /digest with any other argument, a typo included, queues nothing."""
    assume((args.split() or [""])[0].lower() != "preview")
    before, result, after = await world.send(
        text_update(world.bot, ROLES["admin"], f"/digest {args}".strip(), None))
    await world.forget_mail()  # the next example starts from the same empty outbox
    check(("/digest", args), before, result, after)
    assert after["OutboxMessage"] == before["OutboxMessage"], (args, result.texts)


# --- buttons -------------------------------------------------------------------------------

REAL_DATA = ["att:1:yes", "att:2:maybe", "att:4:no", "cxm:1", "cxm:no", "rmm:GH", "rmm:no",
             "set:digest:daily", "set:reminders:off", "set:timezone:Europe/Brussels",
             "set:language:fr", "imp:1", "imp:no", "outbox:retry", "pg:1:0", "form:skip",
             "form:all"]
PREFIXES = sorted({b.prefix for b in BUTTONS} | {"form"})
PIECES = ["", "1", "0", "-1", "99999999999999999999", "²", "٣", "yes", "no", "maybe", "always",
          "digest", "timezone", "reminders", "language", "../x", "Europe/Geneva", "retry",
          "<b>", "BE", "ZZ", "\u202e", " "]


@st.composite
def mutated(draw) -> str:
    """A real callback datum with a few edits: characters replaced, inserted or cut."""
    data = draw(st.sampled_from(REAL_DATA))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["replace", "insert", "cut", "field"]))
        piece = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)))
        if edit == "replace":
            data = data[:at] + piece + data[at + 1:]
        elif edit == "insert":
            data = data[:at] + piece + data[at:]
        elif edit == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 4)):]
        else:
            data = f"{data}:{piece}"
    return data


number = st.one_of(st.integers(-5, 10**30).map(str),
                   st.sampled_from(["99999999999999999999999", "²", "٣", "1e3", " 1", "0x1"]))
callback = st.one_of(
    st.sampled_from(REAL_DATA),
    mutated(),
    st.builds(lambda p, n, rest: f"{p}:{n}{rest}", st.sampled_from(PREFIXES), number,
              st.sampled_from(["", ":yes", ":no", ":maybe", ":", "::"])),
    st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from(PREFIXES), st.text(max_size=30)),
    st.builds(lambda p, parts: ":".join([p, *parts]), st.sampled_from(PREFIXES),
              st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=4)),
    st.text(max_size=64),
).filter(lambda d: len(d.encode()) <= 64)


@examples(200)
@given(data=callback, who=role, where=chat)
# The malformed data of issue 8 (point 9), tried on every run.
@example(data="pg:1", who="admin", where="private")
@example(data="att:", who="owner", where="private")
@example(data="att:²:yes", who="owner", where="private")
@example(data="cxm:99999999999999999999999", who="admin", where="private")
@example(data="", who="admin", where="private")
async def test_every_button_with_random_data(world, data, who, where):
    payload = button_update(world.bot, ROLES[who], data, CHATS[where])
    taken = handled(world.bot, payload)
    viewer = await who_is(world, who)
    before, result, after = await world.send(payload)
    check((data, who, where), before, result, after, silent=not taken)
    check_no_leak((data, who, where), data, result, after, may_see=where == "private" and (
        viewer.is_linked or viewer.is_admin))
    if taken:  # a button press is always answered (else the client spins)
        assert result.answered, (data, who, where, result.texts)


# --- plain questions -----------------------------------------------------------------------

TEMPLATES = ["who is the focal point for {}?", "what is overdue for {}?", "meetings in {}",
             "when is the next {} meeting?", "members of the {} group", "actions of {}",
             "who represents {}", "{} troika", "{}", "my actions {}", "focal {}"]
SUBJECTS = ["Mexico", "mexco", "Belgique", "BE", "IOM", "Luxembourg", "December", "may",
            "next month", "this month", "January 2008", "steering", "afrika", "WEOG", "",
            "<b>x</b>", "&", "\u202e", "Bel\u200bgium", "🇧🇪", "x" * 300]
question = st.one_of(
    st.text(min_size=1, max_size=700),
    st.builds(str.format, st.sampled_from(TEMPLATES),
              st.one_of(st.sampled_from(SUBJECTS), st.text(max_size=30))),
)


@examples(150)
@given(text=question, who=role, where=chat)
async def test_plain_questions(world, text, who, where):
    text = text.strip()
    assume(text and not text.startswith("/"))
    viewer = await who_is(world, who)
    before, result, after = await world.send(
        text_update(world.bot, ROLES[who], text, CHATS[where]))
    # Questions are for private chats; in a group the bot stays out of the conversation.
    check((text, who, where), before, result, after, silent=where == "group", read_only=True)
    check_no_leak((text, who, where), text, result, after, may_see=where == "private" and (
        viewer.is_linked or viewer.is_admin))


# --- guided forms --------------------------------------------------------------------------

FORM_COMMANDS = sorted(c.name for c in COMMANDS if c.form is not None)
ANSWERS = ["2007-10-02 10:00", "2007-02-30 10:00", "2007-03-25 02:30", "1999-01-01 10:00",
           "2007-10-02", "10:00", "Asia/Manila", "Europe/Brussels", "Europe/Geneva", "Geneva",
           "Steering group", "Manila", "all", "steering", "troika", "everyone", "GH", "SN", "BE",
           "ZZZZZZZZZZZZZZ", "Ghana", "kofi.mensah@example.org", "bad@", "Kofi Mensah", "skip",
           "123456789", "0", "2007-12-31", "2007-06-15", "Pilot | study", "<b>x</b>", "\u202e"]
answer = st.one_of(
    st.tuples(st.just("text"), st.one_of(st.sampled_from(ANSWERS), st.text(max_size=40))),
    st.tuples(st.just("button"), st.one_of(st.sampled_from(ANSWERS), st.text(max_size=20))),
)


@examples(40)
@given(name=st.sampled_from(FORM_COMMANDS), answers=st.lists(answer, max_size=6))
async def test_guided_forms_with_random_answers(world, name, answers):
    admin = ROLES["admin"]
    before, result, after = await world.send(text_update(world.bot, admin, f"/{name}", None))
    check(f"/{name}", before, result, after)
    for kind, value in answers:
        if kind == "text":
            value = value.strip()
            if not value or value.startswith("/"):
                continue
            payload = text_update(world.bot, admin, value, None)
        else:
            payload = button_update(world.bot, admin, f"form:{value}"[:64], None)
            if not handled(world.bot, payload):
                continue
        before, result, after = await world.send(payload)
        check((name, kind, value), before, result, after)
        if any("Send /cancel to stop" in t for t in result.texts):  # a question: not yet
            assert after == before, (name, value, "a form wrote before its last answer")
    await exchange(world.bot, world.recorder, text_update(world.bot, admin, "/cancel", None))


# --- CSV files to the import ---------------------------------------------------------------

COLUMNS = [*importer.REQUIRED, *importer.OPTIONAL, "notes", "Code", " NAME ", "focal email",
           ""]
CELLS = {
    "code": ["GH", "SN", "BE", "IOM", "ZZ", "fr", "X", "", "G H", "UNHCR", "ABCDEFGHIJKLM"],
    "name": ["Ghana", "Sénégal", "", "<b>x</b>", "A|B", "Bel\u200bgium", "x" * 250, "Ok"],
    "kind": ["state", "organisation", "org", ""],
    "region": ["African", "afrika", "WEOG", "", "Mars"],
    "steering": ["yes", "no", "maybe", ""],
    "troika": ["past", "present", "future", "chair", ""],
    "focal_email": ["kofi@example.org", "ana.garcia@sre.example.mx", "bad@", ""],
    "focal_name": ["Kofi Mensah", "", "\u202eKofi"],
    "focal_telegram_id": ["123", "5001", "abc", "0", "99999999999999999999", ""],
    "language": ["en", "fr", "Français", "xx", ""],
    "timezone": ["Europe/Brussels", "Geneva", "Mars/Olympus", ""],
}


ADDED = re.compile(r"(\d+) (?:new )?members? added")


@st.composite
def csv_files(draw) -> bytes:
    """A CSV file as spreadsheets write them, and as they should not: random headers and rows,
    commas or semicolons, a byte-order mark, ragged rows, quotes, other encodings."""
    header = draw(st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)),
                           max_size=8))
    cell = st.one_of(st.text(max_size=10), st.sampled_from(sum(CELLS.values(), [])))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(st.sampled_from(CELLS.get(h.strip().lower(), [""])) | cell)
               if draw(st.booleans()) else draw(cell) for h in header]
        rows.append(row + draw(st.lists(cell, max_size=2)) if draw(st.booleans()) else row)
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(
            st.sampled_from(["\n", "\r\n"])))
        writer.writerows([header, *rows])
    else:  # no quoting at all: stray quotes and delimiters inside cells
        out.write("\n".join(delimiter.join(r) for r in [header, *rows]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16"]))
    content = out.getvalue().encode(encoding, errors="replace")
    return (codecs.BOM_UTF8 + content) if draw(st.booleans()) else content


@examples(80)
@given(content=st.one_of(csv_files(), st.binary(max_size=300)), confirm=st.booleans())
@example(content=codecs.BOM_UTF8 + "code;name;region;language\nGH;Ghana;afrika;Français\n"
         .encode(), confirm=True)
@example(content=b"code,name\n\"GH,Ghana\n", confirm=True)
# A row the database refuses half-way (the Telegram id is Ana's): not imported, and not counted.
@example(content=b"code,name,focal_email,focal_name,focal_telegram_id\n"
                 b"SN,Senegal,kofi@example.org,Kofi Mensah,5001\n", confirm=True)
async def test_random_csv_files_to_the_import(world, content, confirm):
    admin = ROLES["admin"]
    before, result, after = await world.send(
        document_update(world.bot, admin, "contacts.csv", content, None))
    check(("upload", content[:80]), before, result, after)
    assert after == before, ("checking a file wrote", result.texts)
    tokens = [d for call in result.calls for d in callback_data(call) if d.startswith("imp:")]
    if not tokens:
        return
    choice = next(t for t in tokens if t != "imp:no") if confirm else "imp:no"
    before, result, after = await world.send(button_update(world.bot, admin, choice, None))
    check(("confirm", choice, content[:80]), before, result, after)
    assert result.answered, result.texts
    if not confirm:
        assert after == before
        return
    # Every valid row is in, or the summary names its line; the members it says it added were.
    for row in importer.parse_csv(content).rows:
        present = await count(world.services, Member, Member.code == row.code,
                              Member.active == True)  # noqa: E712
        assert present or f"line {row.line}" in result.text, (row, result.texts)
    stated = ADDED.search(result.text)
    if stated:
        added = len(after["Member"]) - len(before["Member"])
        assert int(stated.group(1)) == added, (result.texts, f"{added} added")



# --- the checks themselves -----------------------------------------------------------------


@examples(100)
@given(text=st.text())
def test_escaped_text_is_telegram_html(text):
    assert html_problem(f"<b>{esc(text)}</b>") is None


def test_the_html_check_finds_what_telegram_refuses():
    assert html_problem("<b>Members</b> (3) &amp; <i>more</i> &lt;x&gt; &#8212;") is None
    assert html_problem('<a href="https://example.org/?a=1">x</a>') is None
    for broken in ("a < b", "<script>x</script>", "<b>open", "</i>", "<b><i>x</b></i>",
                   "Tom & Jerry", "&nbsp;", "1 > 0"):
        assert html_problem(broken) is not None, broken


async def test_an_unhandled_error_is_seen(world):
    """The error recorder sees what reaches handlers.common.on_error, and the check fails."""
    async def boom(update, context):
        raise RuntimeError("boom")

    handler = CommandHandler("boom", boom)
    world.bot.app.add_handler(handler, group=-1)
    try:
        before, result, after = await world.send(
            text_update(world.bot, ROLES["admin"], "/boom", None))
    finally:
        world.bot.app.remove_handler(handler, group=-1)
    assert [type(e) for e in result.errors] == [RuntimeError]
    with pytest.raises(AssertionError, match="unhandled RuntimeError"):
        check("/boom", before, result, after)
