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

from bot.i18n import N_, _, n_
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


def _import_line(entry: AuditEntry) -> str:
    """One line for a whole import, never a line per row."""
    after = entry.after or {}
    if after.get("kind") == "actions":
        return n_("{count} action item was imported.", "{count} action items were imported.",
                  int(after.get("actions_added") or 0))
    kinds: dict[str, int] = after.get("changes") or {}
    counts = [
        (len(after.get("added") or []), N_("{count} member added"), N_("{count} members added")),
        (kinds.get(AuditAction.MEMBER_UPDATE, 0), N_("{count} member's details changed"),
         N_("{count} members' details changed")),
        (len(after.get("focal_points") or []), N_("{count} focal point changed"),
         N_("{count} focal points changed")),
        (kinds.get(AuditAction.STEERING_ADD, 0) + kinds.get(AuditAction.STEERING_REMOVE, 0),
         N_("{count} steering-group change"), N_("{count} steering-group changes")),
        (kinds.get(AuditAction.TROIKA_SET, 0), N_("{count} troika seat changed"),
         N_("{count} troika seats changed")),
    ]
    shown = [n_(one, many, number) for number, one, many in counts if number]
    if not shown:
        return _("The contact list was updated.")
    return _("The contact list was updated: {changes}.", changes=", ".join(shown))


def _troika_line(entry: AuditEntry) -> str:
    holder = (entry.after or {}).get("holder", "?")
    seat = TROIKA_SEATS.get(entry.subject)
    if seat is None:
        return _("Troika: the {seat} seat now belongs to {holder}", seat=entry.subject,
                 holder=holder)
    return _(seat, holder=holder)


# The troika's seats: one whole sentence each.
TROIKA_SEATS = {
    "past": N_("Troika: the past chair's seat now belongs to {holder}"),
    "present": N_("Troika: the present chair's seat now belongs to {holder}"),
    "future": N_("Troika: the future chair's seat now belongs to {holder}"),
}

# The audit actions readers care about, in words (in the reader's language: a sentence is
# written when a reader's digest is, inside `i18n.using`).
_CHANGES: dict[str, Callable[[AuditEntry], str]] = {
    AuditAction.MEMBER_ADD: lambda e: _("New member: {name}", name=_name(e)),
    AuditAction.MEMBER_REMOVE: lambda e: _("Member removed: {name}", name=_name(e)),
    AuditAction.FOCAL_SET: lambda e: _("New focal point for {member}", member=e.subject),
    AuditAction.TROIKA_SET: _troika_line,
    AuditAction.STEERING_ADD: lambda e: _("Joined the steering group: {name}", name=_name(e)),
    AuditAction.STEERING_REMOVE: lambda e: _("Left the steering group: {name}", name=_name(e)),
    AuditAction.MEETING_ADD: lambda e: _("New meeting: {title}", title=_name(e)),
    AuditAction.MEETING_MOVE: lambda e: _("Meeting moved: {title}", title=_name(e)),
    AuditAction.MEETING_CANCEL: lambda e: _("Meeting cancelled: {title}", title=_name(e)),
    AuditAction.ACTION_DONE: lambda e: _("Action item done: {title}", title=_name(e)),
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
    "joined": lambda n: n_("{count} member joined: see /members",
                           "{count} members joined: see /members", n),
    "left": lambda n: n_("{count} member left: see /members",
                         "{count} members left: see /members", n),
    "import": lambda n: n_("The contact list was updated {count} time: see /members",
                           "The contact list was updated {count} times: see /members", n),
    "focal": lambda n: n_("{count} focal point changed: see /members",
                          "{count} focal points changed: see /members", n),
    "steering": lambda n: n_("{count} steering-group change: see /members",
                             "{count} steering-group changes: see /members", n),
    "meeting": lambda n: n_("{count} meeting scheduled, moved or cancelled: see /meetings",
                            "{count} meetings scheduled, moved or cancelled: see /meetings", n),
    "done": lambda n: n_("{count} action item done: see /actions",
                         "{count} action items done: see /actions", n),
}


def describe_change(entry: AuditEntry) -> str | None:
    """A sentence, in the current language, for a change readers care about; None for the
    others (admins, notes...)."""
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
    """One scope's lines of one kind, in time order (each written in words when a reader's
    digest is, in that reader's language)."""

    times: list[datetime] = field(default_factory=list)
    entries: list[AuditEntry] = field(default_factory=list)


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
            if entry.action not in _KIND or entry.action not in _CHANGES:
                continue
            kind, scope = _KIND[entry.action], _scope(entry, member_codes)
            shared = kind == "steering" or (kind == "done" and scope[1] in steering_codes)
            scopes = [scope] + ([STEERING] if shared else [])
            if kind == "done" and shared:
                scopes = [STEERING]
            for scope in scopes:
                lines = index.kinds[kind].setdefault(scope, _Lines())
                lines.times.append(entry.at)
                lines.entries.append(entry)
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
        """The reader's changes in (since, until], in the current language: at most HANDFUL
        lines of each kind."""
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
                found.extend((at, describe_change(entry) or "") for at, entry in
                             zip(lines.times[low:high], lines.entries[low:high], strict=True))
        found.sort(key=lambda pair: pair[0])
        return [sentence for _at, sentence in found]
