"""The audit log as a person reads it: who by name, what as a sentence, times in their zone.

Pure functions over the values `bot.ops.admin.audit_log` returns; the handler escapes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import short_day, short_moment
from storage.audit import AuditAction, describe
from storage.people import KnownName

OPERATOR = "the operator (command line)"
CONFIGURATION = "the configuration (FOF_ADMIN_IDS)"


def person_label(telegram_id: int, known: KnownName | None) -> str:
    """'Jan Peeters (5002)' (contact record), '“Support” (Telegram name, 900999)' or
    'user 900999'. A name Telegram gives is the user's own choice, so it is quoted as such."""
    if known is None:
        return f"user {telegram_id}"
    if known.from_contact:
        return f"{known.name} ({telegram_id})"
    return f"“{known.name}” (Telegram name, {telegram_id})"


def actor_label(actor: str, names: dict[int, KnownName]) -> str:
    """Who an audit entry names: a Telegram id, `cli`, `config`, or a contact's email."""
    if actor == "cli":
        return OPERATOR
    if actor == "config":
        return CONFIGURATION
    if actor.isdigit():
        return person_label(int(actor), names.get(int(actor)))
    return actor


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    change: str  # the fields that differ, in words; "" when nothing is recorded
    who: str = ""  # the actor by name
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    subject_name: str | None = None  # the person an administrator entry is about


@dataclass(frozen=True)
class Reader:
    zone: str
    language: str = "en"

    def moment(self, value: str | datetime | None) -> str:
        if not value:
            return "?"
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        return short_moment(at, self.zone, self.language)

    def day(self, value: str | None) -> str:
        return short_day(date.fromisoformat(value), self.language) if value else "?"


def _member(values: dict[str, Any], code: str) -> str:
    return f"{values['name']} ({values.get('code') or code})" if values.get("name") else code


def _meeting(line: AuditLine) -> tuple[str, str]:
    number, _, title = line.subject.partition(" ")
    values = line.after or line.before or {}
    return f"#{number}", str(values.get("title") or title)


def _denied(line: AuditLine, reader: Reader) -> str:
    after = line.after or {}
    count = int(after.get("count", 1))
    if count == 1:
        return f"was refused /{line.subject}: “{after.get('attempted', '')}”"
    last = datetime.fromisoformat(after["last_at"]) if after.get("last_at") else line.at
    zone = ZoneInfo(reader.zone)
    same_day = last.astimezone(zone).date() == line.at.astimezone(zone).date()
    until = short_moment(last, reader.zone, reader.language, with_date=not same_day)
    return f"was refused /{line.subject} {count} times, {reader.moment(line.at)}–{until}"


def _import(line: AuditLine) -> str:
    after = line.after or {}
    if after.get("kind") == "actions":
        return (f"imported {after.get('file', line.subject)}: {after.get('actions_added', 0)} "
                f"action items added, {after.get('unchanged', 0)} already recorded, "
                f"{after.get('rejected', 0)} rejected")
    return (f"imported {after.get('file', line.subject)}: {len(after.get('added') or [])} "
            f"members added, {len(after.get('updated') or [])} updated, "
            f"{after.get('unchanged', 0)} unchanged, {after.get('rejected', 0)} rejected")


def _moved(line: AuditLine, reader: Reader) -> str:
    number, title = _meeting(line)
    old = reader.moment((line.before or {}).get("starts_at"))
    new = reader.moment((line.after or {}).get("starts_at"))
    return f"moved {title} meeting {number} from {old} to {new}"


def _scheduled(line: AuditLine, reader: Reader) -> str:
    number, title = _meeting(line)
    return f"scheduled {title} meeting {number} for " \
           f"{reader.moment((line.after or {}).get('starts_at'))}"


def _cancelled(line: AuditLine, reader: Reader) -> str:
    number, title = _meeting(line)
    return f"cancelled {title} meeting {number} of " \
           f"{reader.moment((line.before or {}).get('starts_at'))}"


def _action_added(line: AuditLine, reader: Reader) -> str:
    number, _, code = line.subject.partition(" ")
    after = line.after or {}
    return f"added action #{number} for {code}: {after.get('title', '')}, due " \
           f"{reader.day(after.get('due_date'))}"


def _focal(line: AuditLine) -> str:
    people = (line.after or {}).get("focal") or [{}]
    person = people[0] or {}
    return f"made {person.get('name', '?')} <{person.get('email', '?')}> the focal point for " \
           f"{line.subject}"


def _setting(line: AuditLine) -> str:
    name = line.subject.rsplit(" ", 1)[-1]
    return f"changed their {name} setting: {describe(line.before, line.after)}"


def _troika(line: AuditLine) -> str:
    before, after = line.before or {}, line.after or {}
    previous = f" (it was {before['holder']}’s)" if before.get("holder") else ""
    return f"gave the {line.subject} troika seat to {after.get('holder', '?')}{previous}"


_SENTENCES: dict[str, Callable[[AuditLine, Reader], str]] = {
    AuditAction.MEMBER_ADD: lambda e, r: f"added the member {_member(e.after or {}, e.subject)}",
    AuditAction.MEMBER_UPDATE: lambda e, r: f"changed {_member(e.before or {}, e.subject)}: "
                                            f"{e.change}",
    AuditAction.MEMBER_REMOVE: lambda e, r: f"removed the member "
                                            f"{_member(e.before or {}, e.subject)}",
    AuditAction.STEERING_ADD: lambda e, r: f"put {_member(e.after or {}, e.subject)} on the "
                                           f"steering group",
    AuditAction.STEERING_REMOVE: lambda e, r: f"took {_member(e.after or {}, e.subject)} off "
                                              f"the steering group",
    AuditAction.TROIKA_SET: lambda e, r: _troika(e),
    AuditAction.FOCAL_SET: lambda e, r: _focal(e),
    AuditAction.MEETING_ADD: _scheduled,
    AuditAction.MEETING_MOVE: _moved,
    AuditAction.MEETING_CANCEL: _cancelled,
    AuditAction.ACTION_ADD: _action_added,
    AuditAction.ACTION_NOTE: lambda e, r: f"added a note to action #{e.subject}: "
                                          f"{(e.after or {}).get('note', '')}",
    AuditAction.ACTION_DONE: lambda e, r: f"marked action #{e.subject} done: "
                                          f"{(e.after or {}).get('title', '')}",
    AuditAction.ADMIN_ADD: lambda e, r: f"made {e.subject_name or e.subject} an administrator",
    AuditAction.ADMIN_REMOVE: lambda e, r: f"removed {e.subject_name or e.subject} from the "
                                           f"administrators",
    AuditAction.SETTINGS_CHANGE: lambda e, r: _setting(e),
    AuditAction.PERSON_LINK: lambda e, r: f"linked their Telegram account to {e.subject}",
    AuditAction.PERSON_UNLINK: lambda e, r: f"lost the link to {e.subject} (linked elsewhere)",
    AuditAction.DIGEST_RUN: lambda e, r: f"ran the digest: {e.subject}",
    AuditAction.OUTBOX_RETRY: lambda e, r: f"retried {e.subject} of failed mail",
    AuditAction.DENIED: _denied,
    AuditAction.IMPORT: lambda e, r: _import(e),
}


def sentence(line: AuditLine, zone: str, language: str = "en") -> str:
    """'Jan Peeters moved Steering group meeting #2 from Thu 5 Jul 2007, 14:00 to ...'."""
    reader = Reader(zone, language)
    try:
        what = _SENTENCES[line.action](line, reader)
    except (KeyError, ValueError, TypeError, IndexError):  # an entry of an unknown shape
        what = f"{line.action} {line.subject}" + (f": {line.change}" if line.change else "")
    return f"{line.who or line.actor} {what}"
