"""Outbox keys: every key is built and read here, so each kind of message has one spelling.

    invite:<meeting>:<sequence>:<person>[:<round>]  the invitation, queued when it is scheduled
    reminder:<meeting>:<days>:<sequence>:<person>   a meeting reminder
    update:<meeting>:<sequence>:<person>            a moved or changed meeting (sequence > 0)
    cancel:<meeting>:<sequence>:<person>[:<round>]  a cancelled meeting, or one the person left
    action:<action>:soon|overdue:<due date>:<person>
    digest:<local date>:<person>
    preview:<iso time>:<person>:<address>           an administrator's digest preview
    link:<person>:<iso time>                        a link code
    telegram:<one of the above>                     the same message in Telegram

An invitation or cancellation carries a round after the first (`:1`, `:2`...): someone who
left a meeting's audience and joined it again at the same SEQUENCE is invited again.

The key is the outbox's unique column: the same key twice is the same message, sent once.
`str(key)` is the stored text; `parse` reads any stored text back (None for foreign keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

INVITE, REMINDER, UPDATE, CANCEL = "invite", "reminder", "update", "cancel"
MEETING_KINDS = (INVITE, REMINDER, UPDATE, CANCEL)
ROUNDED = (INVITE, CANCEL)  # the kinds that carry a round
SOON, OVERDUE = "soon", "overdue"
TELEGRAM = "telegram"


@dataclass(frozen=True)
class MeetingKey:
    kind: str  # invite, reminder, update or cancel
    meeting_id: int
    sequence: int
    person_id: int
    days: int | None = None  # how many days before the start: reminders only
    round: int = 0  # invitations and cancellations: the how-manieth for this person

    def __str__(self) -> str:
        if self.kind == REMINDER:
            return f"{REMINDER}:{self.meeting_id}:{self.days}:{self.sequence}:{self.person_id}"
        text = f"{self.kind}:{self.meeting_id}:{self.sequence}:{self.person_id}"
        return f"{text}:{self.round}" if self.round else text


@dataclass(frozen=True)
class ActionKey:
    action_id: int
    notice: str  # soon or overdue
    due: date
    person_id: int

    def __str__(self) -> str:
        return f"action:{self.action_id}:{self.notice}:{self.due.isoformat()}:{self.person_id}"


@dataclass(frozen=True)
class DigestKey:
    local_day: date
    person_id: int

    def __str__(self) -> str:
        return f"digest:{self.local_day.isoformat()}:{self.person_id}"


@dataclass(frozen=True)
class PreviewKey:
    at: datetime
    person_id: int
    address: str

    def __str__(self) -> str:
        return f"preview:{self.at.isoformat(timespec='seconds')}:{self.person_id}:{self.address}"


@dataclass(frozen=True)
class LinkKey:
    person_id: int
    at: datetime

    def __str__(self) -> str:
        return f"link:{self.person_id}:{self.at.isoformat()}"


Key = MeetingKey | ActionKey | DigestKey | PreviewKey | LinkKey


@dataclass(frozen=True)
class TelegramKey:
    """The Telegram twin of an email message."""

    inner: Key

    def __str__(self) -> str:
        return f"{TELEGRAM}:{self.inner}"


def telegram(key: Key) -> TelegramKey:
    return TelegramKey(key)


# Prefixes, for looking up what was already queued (keys_with_prefix, pending_with_prefixes).

def meeting_prefix(kind: str, meeting_id: int) -> str:
    return f"{kind}:{meeting_id}:"


def kind_prefixes(kind: str) -> tuple[str, str]:
    """Every key of this kind: the email ones and their Telegram twins."""
    return f"{kind}:", f"{TELEGRAM}:{kind}:"


def action_prefix(action_id: int) -> str:
    return f"action:{action_id}:"


def _parse_plain(head: str, rest: str) -> Key | None:
    if head in MEETING_KINDS:
        parts = [int(p) for p in rest.split(":")]
        if head == REMINDER and len(parts) == 4:
            meeting, days, seq, person = parts
            return MeetingKey(REMINDER, meeting, seq, person, days)
        if head != REMINDER and len(parts) == 3:
            return MeetingKey(head, *parts)
        if head in ROUNDED and len(parts) == 4 and parts[3] > 0:
            meeting, seq, person, round_ = parts
            return MeetingKey(head, meeting, seq, person, round=round_)
        return None
    if head == "action":
        action, notice, due, person = rest.split(":")
        if notice not in (SOON, OVERDUE):
            return None
        return ActionKey(int(action), notice, date.fromisoformat(due), int(person))
    if head == "digest":
        day, person = rest.split(":")
        return DigestKey(date.fromisoformat(day), int(person))
    if head == "preview":  # the time has colons of its own, the address none
        at, person, address = rest.rsplit(":", 2)
        return PreviewKey(datetime.fromisoformat(at), int(person), address)
    if head == "link":
        person, at = rest.split(":", 1)
        return LinkKey(int(person), datetime.fromisoformat(at))
    return None


def parse(text: str) -> Key | TelegramKey | None:
    """The key stored as `text`, or None when it is not one of ours (or malformed)."""
    head, _, rest = text.partition(":")
    if head == TELEGRAM:
        inner = parse(rest)
        return TelegramKey(inner) if inner is not None and not isinstance(
            inner, TelegramKey) else None
    try:
        return _parse_plain(head, rest)
    except ValueError:
        return None
