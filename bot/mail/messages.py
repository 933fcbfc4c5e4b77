"""Every message the assistant writes, built in one place: mail and Telegram texts.

Each builder takes plain values and returns plain text; nothing here reads the database or
decides what is due (reminders.py and digest.py do). Emails come back as the whole RFC 5322
message (`to_wire`), ready for the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import dates, i18n
from bot.config import Settings
from bot.dates import was_due
from bot.i18n import N_, _
from bot.ics import meeting_calendar
from bot.mail import keys, links
from bot.mail.keys import ActionKey, DigestKey, LinkKey, MeetingKey, PreviewKey
from bot.mail.mime import Attachment, compose, to_wire
from bot.mail.render import day, mail_language, render, render_mail
from storage.actions import ActionView
from storage.mailing import MemberInfo, Recipient
from storage.models import Meeting, MeetingStatus

ROLE_WORDS = {"focal_point": "focal point", "steering_rep": "steering-group representative"}
# The subject of each meeting message, whole sentences for translation.
MEETING_PREFIX = {
    "invite": N_("Invitation: {title}, {day}"),
    "reminder": N_("Reminder: {title}, {day}"),
    "update": N_("Changed: {title}, {day}"),
    "cancel": N_("Cancelled: {title}, {day}"),
    "left": N_("No longer invited: {title}, {day}"),
}
ANSWER_WORDS = {"yes": N_("yes, I will attend"), "no": N_("no, I will not attend"),
                "maybe": N_("maybe")}

def roles_text(recipient: Recipient) -> str:
    if not recipient.roles:
        return "a contact of the Friends of the Forum"
    return ", ".join(f"{ROLE_WORDS.get(role, role)} for {code}" for code, role in recipient.roles)


# ---------------------------------------------------------------------------------------------
# Meetings and actions


def _meeting_when(at: datetime, meeting: Meeting, recipient: Recipient) -> str:
    """The time in the reader's zone, and in the meeting's when that differs."""
    language = mail_language(recipient.language)
    mine = dates.long_moment(at, recipient.timezone, language)
    if recipient.timezone == meeting.timezone:
        return _in_reader_zone(at, recipient)
    return _("{moment} ({zone}); {local} local time ({meeting_zone})", moment=mine,
             zone=recipient.timezone, local=dates.long_moment(at, meeting.timezone, language),
             meeting_zone=meeting.timezone)


def _in_reader_zone(at: datetime, recipient: Recipient) -> str:
    return _("{moment} ({zone})", zone=recipient.timezone, moment=dates.long_moment(
        at, recipient.timezone, mail_language(recipient.language)))


def _moved(previous: datetime | None, meeting: Meeting,
           recipient: Recipient) -> tuple[str | None, str | None]:
    """(the start the reader was last told, the new one), both in the reader's zone, when the
    meeting has moved since; (None, None) when it has not or that start is not known."""
    if previous is None or previous == meeting.starts_at:
        return None, None
    return (_in_reader_zone(previous, recipient),
            _in_reader_zone(meeting.starts_at, recipient))


def meeting_kind(kind: str, meeting: Meeting) -> str:
    """The message's kind as the templates see it: a cancellation for a meeting that goes on
    is the one sent to someone who left its audience ("left")."""
    if kind == keys.CANCEL and meeting.status != MeetingStatus.CANCELLED:
        return "left"
    return kind


def _meeting_context(meeting: Meeting, recipient: Recipient, kind: str, answer: str | None,
                     previous: datetime | None) -> dict[str, object]:
    was, moved_to = _moved(previous, meeting, recipient)
    return dict(kind=meeting_kind(kind, meeting), meeting=meeting,
                when=_meeting_when(meeting.starts_at, meeting, recipient),
                was=was, moved_to=moved_to,
                answer=_(ANSWER_WORDS[answer]) if answer in ANSWER_WORDS else None,
                email=recipient.email)


def meeting_message(settings: Settings, *, key: MeetingKey, meeting: Meeting,
                    recipient: Recipient, answer: str | None, now: datetime,
                    previous: datetime | None = None) -> tuple[str, str]:
    """(subject, whole RFC 5322 message) for an invitation, reminder, update or cancellation,
    in the recipient's language; `previous`: the start they were last told (updates)."""
    with i18n.using(recipient.language) as language:
        return _meeting_message(settings, key, meeting, recipient, answer, now, previous,
                                language)


def _meeting_message(settings: Settings, key: MeetingKey, meeting: Meeting,
                     recipient: Recipient, answer: str | None, now: datetime,
                     previous: datetime | None, language: str) -> tuple[str, str]:
    sender = settings.require_mail_from()
    context = _meeting_context(meeting, recipient, key.kind, answer, previous)
    short_day = day(meeting.starts_at.astimezone(ZoneInfo(recipient.timezone)).date(),
                    recipient.language)
    subject = _(MEETING_PREFIX[str(context["kind"])], title=meeting.title, day=short_day)
    text, html = render_mail(
        "meeting", **context, subject=subject, language=mail_language(recipient.language),
        rsvp=links.rsvp_urls(settings, recipient.person_id, meeting.id or 0),
        roles_text=roles_text(recipient), mail_from=sender)
    method = "CANCEL" if key.kind == keys.CANCEL else "REQUEST"
    calendar = meeting_calendar(meeting, method=method, organizer_email=sender,
                                attendee_email=recipient.email, attendee_name=recipient.name,
                                answer=answer)
    invite = Attachment("invite.ics", calendar, "text", "calendar", {"method": method})
    unsubscribe = (links.unsubscribe_url(settings, recipient.person_id, "reminders")
                   if key.kind == keys.REMINDER else None)
    message = compose(
        settings, key=str(key), to_address=recipient.email, to_name=recipient.name,
        subject=subject, text=text, html=html, now=now, alternatives=[invite],
        attachments=[invite], language=language, unsubscribe_url=unsubscribe,
    )
    return subject, to_wire(message)


def meeting_telegram_text(kind: str, meeting: Meeting, recipient: Recipient,
                          answer: str | None, previous: datetime | None = None) -> str:
    """The Telegram twin of a meeting message, in the recipient's language."""
    with i18n.using(recipient.language):
        return render("meeting.tg.html", **_meeting_context(meeting, recipient, kind, answer,
                                                            previous))


def action_message(settings: Settings, *, key: ActionKey, action: ActionView,
                   recipient: Recipient, now: datetime) -> tuple[str, str]:
    """(subject, whole RFC 5322 message) for an action that is due soon or overdue."""
    sender = settings.require_mail_from()
    overdue = key.notice == "overdue"
    due = day(action.due_date, recipient.language)
    subject = f"{'Overdue' if overdue else 'Due'} {due}: {action.title}"
    text, html = render_mail("action", action=action, due=due, overdue=overdue, subject=subject,
                             was_due=_was_due(action, recipient, now),
                             language=mail_language(recipient.language),
                             roles_text=roles_text(recipient), mail_from=sender)
    message = compose(settings, key=str(key), to_address=recipient.email,
                      to_name=recipient.name, subject=subject, text=text, html=html, now=now)
    return subject, to_wire(message)


def _was_due(action: ActionView, recipient: Recipient, now: datetime) -> str:
    """'was due on Friday 29 June (3 days ago)', counted on the reader's own calendar."""
    today = now.astimezone(ZoneInfo(recipient.timezone)).date()
    return was_due(action.due_date, today, mail_language(recipient.language))


def action_telegram_text(action: ActionView, recipient: Recipient, overdue: bool,
                         now: datetime) -> str:
    return render("action.tg.html", action=action, overdue=overdue,
                  due=day(action.due_date, recipient.language),
                  was_due=_was_due(action, recipient, now))


# ---------------------------------------------------------------------------------------------
# The digest


DIGEST_LIST_LIMIT = 20  # action lines per list in a digest; the rest are counted
DIGEST_NAMES_LIMIT = 40  # steering-group members named in a digest; the rest are counted


@dataclass(frozen=True)
class MeetingLine:
    meeting: Meeting
    when: str
    answer: str | None


@dataclass(frozen=True)
class ActionLine:
    action: ActionView
    due: str
    overdue: bool


@dataclass
class DigestContent:
    """What one recipient's digest says (digest.py decides; the templates render it)."""

    recipient: Recipient
    local_day: date
    meetings: list[MeetingLine] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)
    steering_members: list[MemberInfo] = field(default_factory=list)
    steering_actions: list[ActionLine] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    # Past DIGEST_LIST_LIMIT action lines a digest says "and N more" (digest.py keeps the lists
    # that short and sets these totals); None: the lists are whole.
    actions_total: int | None = None
    overdue_total: int | None = None
    steering_actions_total: int | None = None
    steering_members_total: int | None = None

    @property
    def is_steering(self) -> bool:
        return bool(self.steering_members)

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.actions or self.steering_actions or self.changes)

    @property
    def action_count(self) -> int:
        return len(self.actions) if self.actions_total is None else self.actions_total

    @property
    def more_actions(self) -> int:
        return self.action_count - len(self.actions)

    @property
    def more_steering_members(self) -> int:
        total = self.steering_members_total
        return 0 if total is None else total - len(self.steering_members)

    @property
    def more_steering_actions(self) -> int:
        total = self.steering_actions_total
        return 0 if total is None else total - len(self.steering_actions)

    @property
    def overdue(self) -> int:
        if self.overdue_total is not None:
            return self.overdue_total
        return sum(1 for line in self.actions if line.overdue)


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def digest_subject(content: DigestContent) -> str:
    bits = []
    if content.meetings:
        bits.append(_counted(len(content.meetings), "meeting"))
    if content.actions:
        bits.append(_counted(content.action_count, "open action")
                    + (f" ({content.overdue} overdue)" if content.overdue else ""))
    if content.changes:
        bits.append(_counted(len(content.changes), "change"))
    summary = ", ".join(bits) or "nothing new"
    return f"Friends of the Forum digest, {day(content.local_day)}: {summary}"


def digest_message(settings: Settings, *, key: DigestKey | PreviewKey, content: DigestContent,
                   now: datetime, to_address: str | None = None, to_name: str | None = None,
                   subject_prefix: str = "") -> tuple[str, str, str]:
    """(subject, plain text, whole RFC 5322 message)."""
    recipient = content.recipient
    sender = settings.require_mail_from()
    subject = subject_prefix + digest_subject(content)
    text, html = render_mail(
        "digest", c=content, subject=subject, language=mail_language(recipient.language),
        roles_text=roles_text(recipient), mail_from=sender,
    )
    message = compose(settings, key=str(key), to_address=to_address or recipient.email,
                      to_name=to_name or recipient.name, subject=subject, text=text, html=html,
                      now=now)
    return subject, text, to_wire(message)


# ---------------------------------------------------------------------------------------------
# Linking a Telegram account

LINK_SUBJECT = "Your code for the Friends of the Forum assistant"
LINK_CODE_TEXT = """Hello {name},

Someone (hopefully you) asked to link the Telegram account with id {telegram_id} to your contact
record with the GFMD Friends of the Forum assistant.

Your code: {code}

Send "/verify {code}" to the bot within 15 minutes. If it was not you, ignore this message:
nothing changes without the code.
"""


def link_code_message(settings: Settings, *, key: LinkKey, name: str, email: str,
                      telegram_id: int, code: str, now: datetime) -> tuple[str, str]:
    """(subject, whole RFC 5322 message) carrying a one-time link code."""
    message = compose(
        settings, key=str(key), to_address=email, to_name=name, subject=LINK_SUBJECT,
        text=LINK_CODE_TEXT.format(name=name, telegram_id=telegram_id, code=code), now=now,
    )
    return str(message["Subject"]), to_wire(message)
