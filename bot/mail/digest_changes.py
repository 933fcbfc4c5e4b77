"""What changed, for one reader: audit entries in words, scoped to the reader and summarised.

A reader sees the changes that concern them: news for everybody (members joining or leaving, a
contact-list import), their own member's (its focal point, its actions done, its place in the
steering group), the steering group's when they are on it, and the meetings of the audiences they
are invited to. Past a handful of lines of one kind they get one line instead ("14 members joined:
see /members").

The index is built once per run; each reader's lines come from a few binary searches over it, so
the cost per reader does not grow with the number of changes (or of readers).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.audit import AuditAction
from storage.models import AuditEntry

HANDFUL = 5  # more lines of one kind than this become one line

Scope = tuple[str, str]
EVERYONE: Scope = ("all", "")
STEERING: Scope = ("steering", "")


def _name(entry: AuditEntry) -> str:
    """The member's name and code, or the meeting's or action's title, from the entry."""
    values = entry.after or entry.before or {}
    if "code" in values and "name" in values:
        return f"{values['name']} ({values['code']})"
    return str(values.get("title") or entry.subject or "?")


def _counted(number: int, one: str, many: str) -> str | None:
    return None if not number else f"{number} {one if number == 1 else many}"


def _import_line(entry: AuditEntry) -> str:
    """One line for a whole import, never a line per row."""
    after = entry.after or {}
    if after.get("kind") == "actions":
        added = int(after.get("actions_added") or 0)
        return f"{added} action {'item was' if added == 1 else 'items were'} imported."
    kinds: dict[str, int] = after.get("changes") or {}
    parts = [
        _counted(len(after.get("added") or []), "member added", "members added"),
        _counted(kinds.get(AuditAction.MEMBER_UPDATE, 0), "member's details changed",
                 "members' details changed"),
        _counted(len(after.get("focal_points") or []), "focal point changed",
                 "focal points changed"),
        _counted(kinds.get(AuditAction.STEERING_ADD, 0) + kinds.get(
            AuditAction.STEERING_REMOVE, 0), "steering-group change", "steering-group changes"),
        _counted(kinds.get(AuditAction.TROIKA_SET, 0), "troika seat changed",
                 "troika seats changed"),
    ]
    shown = [part for part in parts if part]
    if not shown:
        return "The contact list was updated."
    return "The contact list was updated: " + ", ".join(shown) + "."


# The audit actions readers care about, in words.
_CHANGES: dict[str, Callable[[AuditEntry], str]] = {
    AuditAction.MEMBER_ADD: lambda e: f"New member: {_name(e)}",
    AuditAction.MEMBER_REMOVE: lambda e: f"Member removed: {_name(e)}",
    AuditAction.FOCAL_SET: lambda e: f"New focal point for {e.subject}",
    AuditAction.TROIKA_SET: lambda e: f"Troika: the {e.subject} seat now belongs to "
                                      f"{(e.after or {}).get('holder', '?')}",
    AuditAction.STEERING_ADD: lambda e: f"Joined the steering group: {_name(e)}",
    AuditAction.STEERING_REMOVE: lambda e: f"Left the steering group: {_name(e)}",
    AuditAction.MEETING_ADD: lambda e: f"New meeting: {_name(e)}",
    AuditAction.MEETING_MOVE: lambda e: f"Meeting moved: {_name(e)}",
    AuditAction.MEETING_CANCEL: lambda e: f"Meeting cancelled: {_name(e)}",
    AuditAction.ACTION_DONE: lambda e: f"Action done: {_name(e)}",
    AuditAction.IMPORT: _import_line,
}

# Each action's kind: lines of one kind past HANDFUL become the kind's one summary line.
_KIND: dict[str, str] = {
    AuditAction.MEMBER_ADD: "joined", AuditAction.MEMBER_REMOVE: "left",
    AuditAction.IMPORT: "import", AuditAction.FOCAL_SET: "focal",
    AuditAction.STEERING_ADD: "steering", AuditAction.STEERING_REMOVE: "steering",
    AuditAction.TROIKA_SET: "steering", AuditAction.MEETING_ADD: "meeting",
    AuditAction.MEETING_MOVE: "meeting", AuditAction.MEETING_CANCEL: "meeting",
    AuditAction.ACTION_DONE: "done",
}

# One whole sentence per kind (so each can be translated as it is).
_SUMMARY: dict[str, Callable[[int], str]] = {
    "joined": lambda n: f"{n} members joined: see /members",
    "left": lambda n: f"{n} members left: see /members",
    "import": lambda n: f"The contact list was updated {n} times: see /members",
    "focal": lambda n: f"{n} focal points changed: see /members",
    "steering": lambda n: f"{n} steering-group changes: see /members",
    "meeting": lambda n: f"{n} meetings scheduled, moved or cancelled: see /meetings",
    "done": lambda n: f"{n} action items done: see /actions",
}


def describe_change(entry: AuditEntry) -> str | None:
    """A sentence for a change readers care about; None for the others (admins, notes...)."""
    sentence = _CHANGES.get(entry.action)
    return sentence(entry) if sentence else None


def _scope(entry: AuditEntry, member_codes: dict[int, str]) -> Scope:
    """Whom an entry concerns (its kind says which readers look at which scopes)."""
    kind, values = _KIND[entry.action], entry.after or entry.before or {}
    if kind == "meeting":
        return ("audience", str(values.get("audience") or "all"))
    if kind == "focal":
        return ("member", entry.subject)
    if kind == "done":
        return ("member", member_codes.get(int(values.get("member_id") or 0), ""))
    if kind == "steering":
        holder = (entry.after or {}).get("holder") if entry.action == AuditAction.TROIKA_SET \
            else values.get("code", entry.subject)
        return ("member", str(holder or ""))
    return EVERYONE


@dataclass
class _Lines:
    """One scope's lines of one kind, in time order."""

    times: list[datetime] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """What decides which changes concern a reader."""

    member_codes: tuple[str, ...]
    steering: bool
    audiences: tuple[str, ...]  # the meeting audiences they are invited to


@dataclass
class ChangeIndex:
    """Every change readers care about since the earliest point any reader needs, by kind and
    scope. Steering-group changes are kept under the steering scope too (for its members, who
    look there instead of under their own member), and a steering member's actions done only
    there (every steering reader sees them; no reader sees them twice)."""

    kinds: dict[str, dict[Scope, _Lines]] = field(default_factory=lambda: defaultdict(dict))

    @classmethod
    def build(cls, entries: Iterable[AuditEntry], member_codes: dict[int, str],
              steering_codes: set[str]) -> ChangeIndex:
        """`steering_codes`: the steering-group members, whose actions done concern the whole
        steering group."""
        index = cls()
        for entry in entries:  # in time order
            if entry.action not in _KIND or (sentence := describe_change(entry)) is None:
                continue
            kind, scope = _KIND[entry.action], _scope(entry, member_codes)
            shared = kind == "steering" or (kind == "done" and scope[1] in steering_codes)
            scopes = [scope] + ([STEERING] if shared else [])
            if kind == "done" and shared:
                scopes = [STEERING]
            for scope in scopes:
                lines = index.kinds[kind].setdefault(scope, _Lines())
                lines.times.append(entry.at)
                lines.sentences.append(sentence)
        return index

    def _scopes(self, kind: str, reader: Reader) -> list[Scope]:
        own = [("member", code) for code in reader.member_codes]
        if kind == "steering":  # kept under STEERING and under the member it is about
            return [STEERING] if reader.steering else own
        if kind == "done":  # a steering member's under STEERING only
            return ([STEERING] if reader.steering else []) + own
        if kind == "focal":
            return own
        if kind == "meeting":
            return [("audience", audience) for audience in reader.audiences]
        return [EVERYONE]

    def lines_for(self, reader: Reader, since: datetime, until: datetime) -> list[str]:
        """The reader's changes in (since, until]: at most HANDFUL lines of each kind."""
        found: list[tuple[datetime, str]] = []
        for kind, by_scope in self.kinds.items():
            windows = []
            for scope in self._scopes(kind, reader):
                lines = by_scope.get(scope)
                if lines is not None:
                    low, high = (bisect_right(lines.times, since),
                                 bisect_right(lines.times, until))
                    if high > low:
                        windows.append((lines, low, high))
            count = sum(high - low for _, low, high in windows)
            if count > HANDFUL:
                latest = max(lines.times[high - 1] for lines, _, high in windows)
                found.append((latest, _SUMMARY[kind](count)))
                continue
            for lines, low, high in windows:
                found.extend(zip(lines.times[low:high], lines.sentences[low:high], strict=True))
        found.sort(key=lambda pair: pair[0])
        return [sentence for _, sentence in found]
