"""Who was told what about a meeting, read from the outbox keys already queued for it.

The outbox is the record: an invitation, reminder or update queued for a person means they
hold the meeting in their calendar (at that SEQUENCE); a cancellation queued after it means
they no longer do. So an update or a cancellation goes only to people who were invited, a
newcomer to the audience gets an invitation (not an update), and someone who left gets a
cancellation. Keys queued before invitations existed (reminders, updates) count as invited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.mail import keys
from bot.mail.keys import MeetingKey

_RANK = {keys.INVITE: 0, keys.REMINDER: 1, keys.UPDATE: 1, keys.CANCEL: 2}


@dataclass
class Told:
    """What one person has been told about one meeting."""

    invites: int = 0  # invitations queued (the next one's round)
    cancels: int = 0  # cancellations queued (the next one's round)
    sequence: int = -1  # the SEQUENCE they were last sent, by invitation, reminder or update
    last: str | None = None  # the kind of the latest message
    # when an invitation or update was queued, by SEQUENCE: a reminder in the same window
    # would say nothing new
    announced: dict[int, datetime] = field(default_factory=dict)

    @property
    def invited(self) -> bool:
        return self.last is not None and self.last != keys.CANCEL

    def note(self, key: MeetingKey, at: datetime) -> None:
        """One more message, queued at `at` (after every one noted so far)."""
        self.last = key.kind
        if key.kind == keys.CANCEL:
            self.cancels += 1
            return
        self.sequence = max(self.sequence, key.sequence)
        if key.kind == keys.INVITE:
            self.invites += 1
        if key.kind in (keys.INVITE, keys.UPDATE):
            self.announced[key.sequence] = max(at, self.announced.get(key.sequence, at))


def _order(item: tuple[MeetingKey, datetime]) -> tuple[datetime, int, int, int]:
    key, at = item
    return at, key.sequence, key.round, _RANK[key.kind]


def told_by_person(queued: dict[str, datetime]) -> dict[int, Told]:
    """Person id -> what they were told, from one meeting's email keys and when each was
    queued (`storage.meetings.mail_told`); the latest message decides whether they are invited."""
    parsed = [(key, at) for text, at in queued.items()
              if isinstance(key := keys.parse(text), MeetingKey)]
    found: dict[int, Told] = {}
    for key, at in sorted(parsed, key=_order):
        found.setdefault(key.person_id, Told()).note(key, at)
    return found
