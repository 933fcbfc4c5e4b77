"""The tables of the whole domain (see DESIGN.md). Times are aware UTC (`UTCDateTime`).

Choices are stored as plain strings; the StrEnums below name the allowed values.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel
from sqlmodel.main import SQLModelConfig

from storage.types import UTCDateTime


class MemberKind(StrEnum):
    STATE = "state"
    ORGANISATION = "organisation"


class Region(StrEnum):
    AFRICAN = "African"
    ASIA_PACIFIC = "Asia-Pacific"
    EASTERN_EUROPEAN = "Eastern European"
    LATIN_AMERICAN_CARIBBEAN = "Latin American and Caribbean"
    WEOG = "Western European and Others"


class TroikaRole(StrEnum):
    PAST = "past"
    PRESENT = "present"
    FUTURE = "future"


class RoleKind(StrEnum):
    FOCAL_POINT = "focal_point"
    STEERING_REP = "steering_rep"
    DELEGATE = "delegate"


class MeetingKind(StrEnum):
    FRIENDS = "friends"
    STEERING = "steering"
    TROIKA = "troika"
    ROUNDTABLE = "roundtable"
    MARKETPLACE = "marketplace"
    SUMMIT = "summit"


class Audience(StrEnum):
    ALL = "all"
    STEERING = "steering"
    TROIKA = "troika"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class DigestFrequency(StrEnum):
    WEEKLY = "weekly"
    DAILY = "daily"
    OFF = "off"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class Table(SQLModel):
    """The tables' base. Rows are built by SQLAlchemy and never validated by pydantic, so
    pydantic builds a table's validator only if something asks for it: 5-10 ms less at every
    start."""

    model_config = SQLModelConfig(defer_build=True)


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Member(Table, table=True):
    """A state (ISO 3166 code) or an organisation (short code). Removal keeps history."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=MemberKind.STATE, max_length=16)
    region: str | None = Field(default=None, max_length=40)
    steering: bool = False
    troika: str | None = Field(default=None, max_length=8)
    active: bool = True
    created_at: datetime = _utc()
    removed_at: datetime | None = _utc(default=None)


class Person(Table, table=True):
    """A contact: focal point, steering-group representative or delegate."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254, unique=True, index=True)
    telegram_id: int | None = Field(default=None, sa_type=BigInteger, unique=True, index=True)
    language: str = Field(default="en", max_length=8)
    timezone: str = Field(default="UTC", max_length=64)
    digest: str = Field(default=DigestFrequency.WEEKLY, max_length=8)
    reminders: bool = True
    telegram_reminders: bool = True
    telegram_unreachable: bool = False
    last_digest_at: datetime | None = _utc(default=None)
    active: bool = True
    created_at: datetime = _utc()


class Role(Table, table=True):
    """What a person is for a member: focal point, steering-group representative, delegate."""

    __table_args__ = (UniqueConstraint("person_id", "member_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=16)


class Meeting(Table, table=True):
    """A meeting; start and end in UTC with the meeting's own IANA zone for display."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    kind: str = Field(default=MeetingKind.FRIENDS, max_length=16)
    starts_at: datetime = _utc(index=True)
    ends_at: datetime = _utc()
    timezone: str = Field(default="UTC", max_length=64)
    location: str = Field(default="", max_length=200)
    agenda: str = Field(default="", sa_type=Text)
    audience: str = Field(default=Audience.ALL, max_length=16)
    status: str = Field(default=MeetingStatus.SCHEDULED, max_length=16)
    uid: str = Field(max_length=120, unique=True)
    sequence: int = 0
    remind_unanswered_only: bool = False
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class ActionItem(Table, table=True):
    """A follow-up action owned by a member (pilot project, study, partnership)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    member_id: int = Field(foreign_key="member.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    due_date: date = Field(index=True)
    status: str = Field(default=ActionStatus.OPEN, max_length=16)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    done_at: datetime | None = _utc(default=None)


class ActionNote(Table, table=True):
    """One line of an action item's history."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="actionitem.id", index=True)
    author: str = Field(max_length=200)
    text: str = Field(sa_type=Text)
    created_at: datetime = _utc()


class Attendance(Table, table=True):
    """A person's answer for a meeting; changeable until the meeting starts."""

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    answer: str = Field(max_length=8)
    updated_at: datetime = _utc()


class Admin(Table, table=True):
    """An administrator, by numeric Telegram user id."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    added_by: str = Field(max_length=40)
    added_at: datetime = _utc()


class TelegramName(Table, table=True):
    """The name Telegram gave a user when they last wrote: for people without a contact record."""

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(max_length=200)
    seen_at: datetime = _utc()


class AuditEntry(Table, table=True):
    """Who changed what, when, with the values before and after. Refusals are audited too."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(index=True)
    actor: str = Field(max_length=40)  # Telegram user id or "cli"
    action: str = Field(max_length=40)  # e.g. "member.add", "meeting.move", "denied"
    subject: str = Field(default="", max_length=200)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class LinkCode(Table, table=True):
    """A one-time code that links a Telegram account to a person: one per account at a time
    (several accounts may each hold one for the same person; only the right one links)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True, unique=True)
    code_hash: str = Field(max_length=128)
    expires_at: datetime = _utc()
    created_at: datetime = _utc()


class LinkAttempt(Table, table=True):
    """A code mailed or a wrong code tried, kept a day: the limits per account and per contact
    count these (a new code does not reset them)."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=10)  # mail, wrong
    at: datetime = _utc(index=True)


class OutboxMessage(Table, table=True):
    """A message to deliver. The unique key makes enqueuing idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    channel: str = Field(default=Channel.EMAIL, max_length=10)
    recipient: str = Field(max_length=254)  # email address, or Telegram chat id
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=24)  # digest, reminder, update, cancel, action, link_code...
    subject: str = Field(default="", max_length=300)
    status: str = Field(default=OutboxStatus.PENDING, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _utc(index=True)
    claimed_until: datetime | None = _utc(default=None)
    claimed_by: str | None = Field(default=None, max_length=80)  # the instance holding the lease
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)
    # loaded with the row (a join) whenever a whole OutboxMessage is read
    content: OutboxBody | None = Relationship(
        sa_relationship=relationship("OutboxBody", lazy="joined", uselist=False))

    @property
    def body(self) -> str:
        """The whole RFC 5322 message, or the Telegram text."""
        return self.content.body if self.content is not None else ""


class OutboxBody(Table, table=True):
    """An outbox message's body, in a table of its own: claiming a row and recording its result
    change a few small columns, and SQLite rewrites a whole row (5 KB of body included) when
    one of them changes size. Kept after sending: a bounce's VERP token is checked against it."""

    id: int = Field(primary_key=True, foreign_key="outboxmessage.id")
    body: str = Field(sa_type=Text)


class ScheduledRun(Table, table=True):
    """A scheduled job run (digest per fire time), claimed before it is built so that one
    instance builds it; `claimed_until` is set while it is being built (None once done).
    The row of job `first-start` notes when the database was first used."""

    __table_args__ = (UniqueConstraint("job", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    scheduled_for: datetime = _utc()
    ran_at: datetime = _utc()
    outcome: str = Field(default="", max_length=200)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = _utc(default=None)


class CalendarFeed(Table, table=True):
    """A person's calendar feed: renewing raises the generation, so old signed links fail."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    generation: int = 0
    renewed_at: datetime = _utc()


class BounceSeverity(StrEnum):
    PERMANENT = "permanent"  # 5.x.x: one makes the address undeliverable
    TEMPORARY = "temporary"  # 4.x.x: three on different days within seven days do


class Bounce(Table, table=True):
    """A bounce counted against an address: at most one of each severity per address and day
    (the unique key), so a relay retrying all day counts once."""

    __table_args__ = (UniqueConstraint("address", "day", "severity"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=254, index=True)  # lower-cased
    day: date
    severity: str = Field(max_length=10)
    status: str = Field(default="", max_length=16)  # the DSN status, such as 5.1.1
    diagnostic: str = Field(default="", max_length=300)
    outbox_id: int | None = Field(default=None, foreign_key="outboxmessage.id")
    at: datetime = _utc()


class UndeliverableAddress(Table, table=True):
    """An address that bounces: no email goes to it until the contact's address changes."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=254, unique=True)  # lower-cased
    since: datetime = _utc()
    reason: str = Field(default="", max_length=300)
