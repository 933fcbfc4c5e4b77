"""One recipient's digest as an email: what it says (cut by digest.py), its subject, the
summary line a reader sees first, its links, all in the recipient's language.

Every link comes from `bot.mail.links`, for the person the digest is about, so the real message
and its preview carry the same ones: the answers in one click under each meeting (with
`FOF_PUBLIC_URL`), a link into the bot for each action item (with `FOF_BOT_USERNAME`), and the
visible unsubscribe link in the footer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date

from bot import dates, i18n
from bot.config import Settings
from bot.i18n import N_, _, n_
from bot.mail import links
from bot.mail.keys import DigestKey, PreviewKey
from bot.mail.messages import footer_context
from bot.mail.mime import compose, to_wire
from bot.mail.render import day, render_mail
from storage.actions import ActionView
from storage.mailing import MemberInfo, Recipient
from storage.models import Meeting

DIGEST_LIST_LIMIT = 20  # action lines per list in a digest; the rest are counted
DIGEST_NAMES_LIMIT = 40  # steering-group members named in a digest; the rest are counted
SOON = timedelta(days=7)  # actions due this soon are named in the summary line

TROIKA_SEATS = {"past": N_("past chair"), "present": N_("present chair"),
                "future": N_("future chair")}
ANSWER_WORDS = {"yes": N_("yes"), "no": N_("no"), "maybe": N_("maybe")}
# Between the summary line's parts: French typography puts a space before the semicolon.
SEPARATORS = {"fr": " ; "}


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

    @property
    def unanswered(self) -> int:
        return sum(1 for line in self.meetings if line.answer is None)


def digest_subject(content: DigestContent) -> str:
    """'Friends of the Forum digest, Monday, 2 July 2007: 2 meetings, 3 open actions, ...',
    in the current language."""
    bits = []
    if content.meetings:
        bits.append(n_("{count} meeting", "{count} meetings", len(content.meetings)))
    if content.actions:
        bits.append(n_("{count} open action", "{count} open actions", content.action_count))
        if content.overdue:
            bits.append(n_("{count} overdue", "{count} overdue", content.overdue))
    if content.changes:
        bits.append(n_("{count} change", "{count} changes", len(content.changes)))
    on = day(content.local_day, i18n.current())
    if not bits:
        return _("Friends of the Forum digest, {day}: nothing new", day=on)
    return _("Friends of the Forum digest, {day}: {summary}", day=on, summary=", ".join(bits))


def summary_line(content: DigestContent) -> str:
    """What the reader sees first: '1 action due Thursday; 2 meetings to answer'."""
    today = content.local_day
    language = i18n.current()
    parts = []
    if content.overdue:
        parts.append(n_("{count} action overdue", "{count} actions overdue", content.overdue))
    soon = Counter(line.action.due_date for line in content.actions
                   if not line.overdue and line.action.due_date < today + SOON)
    for due, count in sorted(soon.items()):
        if due == today:
            parts.append(n_("{count} action due today", "{count} actions due today", count))
        else:
            weekday = format_date(due, "EEEE", locale=dates.locale_for(language))
            parts.append(n_("{count} action due {weekday}", "{count} actions due {weekday}",
                            count, weekday=weekday))
    if content.unanswered:
        parts.append(n_("{count} meeting to answer", "{count} meetings to answer",
                        content.unanswered))
    if not parts:
        return _("Nothing is due this week and no meeting awaits your answer.")
    return SEPARATORS.get(language, "; ").join(parts)


def _links(settings: Settings, content: DigestContent) -> dict[str, object]:
    """The links of each meeting and action line, for the person the digest is about."""
    pid = content.recipient.person_id
    actions = content.actions + content.steering_actions
    return dict(
        rsvp={line.meeting.id: links.rsvp_urls(settings, pid, line.meeting.id or 0)
              for line in content.meetings},
        action_urls={line.action.id: links.bot_link(settings.bot_username,
                                                    f"action_{line.action.id}")
                     for line in actions},
    )


def _words(value: str | None, table: dict[str, str]) -> str:
    return _(table[value]) if value in table else str(value or "")


def digest_message(settings: Settings, *, key: DigestKey | PreviewKey, content: DigestContent,
                   now: datetime, to_address: str | None = None, to_name: str | None = None,
                   preview: bool = False) -> tuple[str, str, str]:
    """(subject, plain text, whole RFC 5322 message), in the recipient's language.

    A preview goes to someone else (`to_address`) with the same body and links; its
    List-Unsubscribe header has no one-click link, so the reader of the preview cannot turn
    the person's digest off by accident."""
    recipient = content.recipient
    with i18n.using(recipient.language) as language:
        subject = digest_subject(content)
        if preview:
            subject = _("[Preview for {name}] {subject}", name=recipient.name, subject=subject)
        footer = footer_context(settings, recipient, "digest", preview=preview)
        text, html = render_mail(
            "digest", c=content, subject=subject, summary=summary_line(content),
            answer_word=lambda value: _words(value, ANSWER_WORDS),
            seat_word=lambda value: _words(value, TROIKA_SEATS),
            **_links(settings, content), **footer,
        )
        message = compose(
            settings, key=str(key), to_address=to_address or recipient.email,
            to_name=to_name or recipient.name, subject=subject, text=text, html=html, now=now,
            language=language, unsubscribe_kind="digest",
            unsubscribe_url=None if preview else footer["unsubscribe_url"],  # type: ignore[arg-type]
        )
    return subject, text, to_wire(message)
