"""Who asks, where, and how a reply reads: the roles, the exchange with the real Application and
the reply forms shared by tests/test_properties.py and tests/test_authorization.py.

An *invalid input* is one whose reply has an error form: a refusal of the guard (`REFUSED`,
`PRIVATE_ONLY`, `LINK_FIRST`), the usage line the guard adds to a `BadInput`, the "Nothing was
changed." it adds to a `Rejected`, or one of the sentences in `ERROR_MARKS` that handlers write
themselves. An invalid input never changes the database; the one documented exception is a wrong
`/verify` code, which counts a try on the pending code (`CHANGES_LINK_CODES`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application

from bot.offline import ApiCall, OfflineBot, user
from bot.services import Services
from handlers.guard import LINK_FIRST, PRIVATE_ONLY, REFUSED
from storage.models import Person
from tests.fixtures_bot import ADMIN, ANA, GROUP_CHAT, JAN, NOW, STRANGER, audits, snapshot_db

# The roles. ANA (Mexico's focal point) and JAN (Belgium's) are contacts of two members; the
# seeded action item 3 belongs to Belgium, so JAN owns it and ANA does not.
UNKNOWN = STRANGER  # never seen: no contact record, not an administrator
DELEGATE = user(5010, "Dana")  # a linked contact record with no role for any member
OTHER = ANA  # linked contact of Mexico
OWNER = JAN  # linked contact of Belgium
ROLES = {"unknown": UNKNOWN, "delegate": DELEGATE, "other": OTHER, "owner": OWNER,
         "admin": ADMIN}
PRIVATE: int | None = None  # the user's own chat
GROUP = GROUP_CHAT
CHATS = {"private": PRIVATE, "group": GROUP}

REPLY_METHODS = ("sendMessage", "answerCallbackQuery", "editMessageText", "sendDocument")
OWNER_ONLY = "Only contacts of"  # bot.ops.actions: an action item changed by a non-owner
ERROR_MARKS = (
    REFUSED, PRIVATE_ONLY, LINK_FIRST,
    "Use: <code>",  # the guard: a BadInput, then the command's right form
    "Nothing was changed.",  # the guard and the forms: a Rejected
    OWNER_ONLY,
    "Please try again, or send /cancel.",  # a form's answer that does not check
    "This form has expired",
    "There is nothing to cancel.",
    "I do not know that command.",
    "I did not understand that.",
    "Please ask a short question",
    "not valid any more",  # a button whose data does not parse
    "This list has expired",
    "This import has expired",
    "Nothing was imported.",
    "Nothing was cancelled.",
    "Nothing was removed.",
    "Link your account first",
    "Your answer was not changed.",
    "Settings belong to a contact record",
    "I know no member called",
    "There is no code waiting for you",
    "That code has expired",
    "That code is not right",
    "Too many wrong codes",
    "This file is too large",
)
CHANGES_LINK_CODES = ("That code is not right", "Too many wrong codes")

# Telegram's HTML: these tags, and &lt; &gt; &amp; &quot; or numeric entities; every other <, >
# and & must be escaped, and every tag closed (else Telegram refuses the whole message).
TAG = re.compile(r"<(/?)(b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|a|tg-emoji|code|pre|"
                 r"blockquote)(?:\s[^<>]*)?>")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this text in HTML parse mode, or None."""
    stack: list[str] = []
    for match in TAG.finditer(text):
        closing, name = match.group(1), match.group(2)
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"</{name}> closes nothing open"
    if stack:
        return f"<{stack[-1]}> is never closed"
    bare = ENTITY.sub("", TAG.sub("", text))
    for char in "<>&":
        if char in bare:
            return f"an unescaped {char!r}"
    return None


@dataclass
class Exchange:
    """What the bot did with one update: its Bot API calls and the errors its handlers raised."""

    calls: list[ApiCall]
    errors: list[BaseException] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return OfflineBot.texts(self.calls)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def replied(self) -> bool:
        return any(c.method in REPLY_METHODS for c in self.calls)

    @property
    def answered(self) -> bool:
        return any(c.method == "answerCallbackQuery" for c in self.calls)

    @property
    def invalid(self) -> bool:
        """The reply has an error form (see the module's docstring)."""
        return any(mark in t for t in self.texts for mark in ERROR_MARKS)

    def problems(self) -> list[str]:
        """What is wrong whatever the input: unhandled errors, broken or oversized replies."""
        found = [f"unhandled {type(e).__name__}: {e}" for e in self.errors]
        for call in self.calls:
            if "something went wrong" in call.text:
                found.append(f"the error handler answered: {call.text[:80]}")
            if call.method in ("sendMessage", "editMessageText") and \
                    not 0 < len(call.text) <= 4096:
                found.append(f"{call.method} of {len(call.text)} characters")
            if call.method == "answerCallbackQuery" and len(call.text) > 200:
                found.append(f"a callback answer of {len(call.text)} characters")
            if call.method == "sendDocument" and len(call.text) > 1024:
                found.append(f"a caption of {len(call.text)} characters")
            found += [f"a button without a label: {data!r}" for label, data in call.buttons
                      if not label.strip()]
            if call.params.get("parse_mode") == "HTML" and call.text:
                problem = html_problem(call.text)
                if problem:
                    found.append(f"{call.method} is not Telegram HTML ({problem}): "
                                 f"{call.text[:200]!r}")
            found += [f"button data of {len(data.encode())} bytes: {data!r}"
                      for data in callback_data(call) if not 1 <= len(data.encode()) <= 64]
        return found


def callback_data(call: ApiCall) -> list[str]:
    """The callback data of every inline button of a call (URL buttons have none)."""
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
            if "callback_data" in b]


class ErrorRecorder:
    """An extra error handler: the Application calls it (after handlers.common.on_error) for
    every exception a handler did not handle."""

    def __init__(self, application: Application) -> None:
        self.errors: list[BaseException] = []
        self.application = application

    async def __call__(self, update: object, context) -> None:
        self.errors.append(context.error)

    def __enter__(self) -> ErrorRecorder:
        self.application.add_error_handler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.application.remove_error_handler(self)


async def exchange(bot: OfflineBot, recorder: ErrorRecorder, payload: dict) -> Exchange:
    """Feed one update to the real Application and collect what it did."""
    start_calls, start_errors = len(bot.request.calls), len(recorder.errors)
    await bot.app.process_update(Update.de_json(payload, bot.app.bot))
    return Exchange(bot.request.calls[start_calls:], recorder.errors[start_errors:])


def text_update(bot: OfflineBot, who: dict, text: str, chat: int | None) -> dict:
    return bot.updates.text(who, text, chat)


def button_update(bot: OfflineBot, who: dict, data: str, chat: int | None,
                  message_id: int = 1) -> dict:
    return bot.updates.callback(who, data, message_id, chat)


def document_update(bot: OfflineBot, who: dict, name: str, content: bytes,
                    chat: int | None) -> dict:
    """A file sent to the bot, in a private chat or a group."""
    payload = bot.updates.document(who, name, content)
    if chat is not None:
        payload["message"]["chat"] = {"id": chat, "type": "group", "title": "GFMD delegates"}
    return payload


def handled(bot: OfflineBot, payload: dict) -> bool:
    """Whether any registered handler takes this update (if none does, silence is expected)."""
    update = Update.de_json(payload, bot.app.bot)
    return any(h.check_update(update) not in (None, False)
               for group in bot.app.handlers.values() for h in group)


async def add_delegate(services: Services) -> None:
    """A contact record linked to DELEGATE's Telegram account, with no role for any member."""
    async with services.sessions.begin() as session:
        session.add(Person(name="Dana Delegate", email="dana@delegation.example",
                           telegram_id=DELEGATE["id"], timezone="Europe/Brussels",
                           created_at=NOW))


@dataclass
class Snapshot:
    """The database (tests/fixtures_bot.snapshot_db: all but the audit log), and the audit log
    as refusals and other entries."""

    db: dict[str, list]
    denials: list[tuple]
    changes: list[tuple]


async def snapshot(services: Services) -> Snapshot:
    entries = [(e.id, e.actor, e.action, e.subject, repr(e.before), repr(e.after))
               for e in await audits(services)]
    return Snapshot(await snapshot_db(services), [e for e in entries if e[2] == "denied"],
                    [e for e in entries if e[2] != "denied"])
