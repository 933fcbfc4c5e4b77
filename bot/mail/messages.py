"""Every message the assistant writes, built in one place: mail and Telegram texts.

Each builder takes plain values and returns plain text; nothing here reads the database or
decides what is due (reminders.py and digest.py do). Emails come back as the whole RFC 5322
message (`to_wire`), ready for the outbox. Each is written in its recipient's language (their
setting, else English): the builder renders it inside `i18n.using(recipient.language)`.
The digest's builder lives in `digest_mail.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot import dates, i18n
from bot.config import Settings
from bot.i18n import N_, _, n_
from bot.ics import meeting_calendar
from bot.mail import keys, links
from bot.mail.keys import ActionKey, LinkKey, MeetingKey
from bot.mail.mime import Attachment, compose, to_wire
from bot.mail.render import day, mail_language, render, render_mail, when_both
from storage.actions import ActionView
from storage.mailing import Recipient
from storage.models import Meeting, MeetingStatus

# One whole phrase per role, so that each can be translated with its member.
ROLE_WORDS = {
    "focal_point": N_("focal point for {member}"),
    "steering_rep": N_("steering-group representative for {member}"),
    "delegate": N_("delegate for {member}"),
}
STATUS_WORDS = {"open": N_("open"), "in_progress": N_("in progress"), "done": N_("done"),
                "cancelled": N_("cancelled")}
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
    """'focal point for BE, steering-group representative for PH', in the current language."""
    if not recipient.roles:
        return _("a contact of the Friends of the Forum")
    return ", ".join(_(ROLE_WORDS[role], member=code) if role in ROLE_WORDS
                     else f"{role} ({code})" for code, role in recipient.roles)


def footer_context(settings: Settings, recipient: Recipient, kind: str | None,
                   *, preview: bool = False) -> dict[str, object]:
    """What `_footer.txt` and `_layout.html` say: why the reader gets this, the visible
    unsubscribe link for this kind of mail ("digest", "reminders"), where to change the rest."""
    unsubscribe = (links.unsubscribe_url(settings, recipient.person_id, kind)
                   if kind is not None else None)
    return dict(roles_text=roles_text(recipient), mail_from=settings.require_mail_from(),
                unsubscribe_url=unsubscribe, unsubscribe_kind=kind,
                settings_url=links.bot_link(settings.bot_username, "settings"),
                language=mail_language(recipient.language), preview=preview)


# ---------------------------------------------------------------------------------------------
# Meetings and actions


def _meeting_when(at: datetime, meeting: Meeting, recipient: Recipient) -> str:
    """The time in the reader's zone, and in the meeting's when that differs."""
    return when_both(at, recipient.timezone, meeting.timezone, recipient.language)


def _in_reader_zone(at: datetime, recipient: Recipient) -> str:
    return when_both(at, recipient.timezone, recipient.timezone, recipient.language)


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
    # Only a reminder can be turned off in one click: the invitation, its updates and its
    # cancellation are what keeps the reader's calendar right.
    footer = footer_context(settings, recipient,
                            "reminders" if key.kind == keys.REMINDER else None)
    text, html = render_mail(
        "meeting", **context, **footer, subject=subject,
        rsvp=links.rsvp_urls(settings, recipient.person_id, meeting.id or 0))
    method = "CANCEL" if key.kind == keys.CANCEL else "REQUEST"
    calendar = meeting_calendar(meeting, method=method, organizer_email=sender,
                                attendee_email=recipient.email, attendee_name=recipient.name,
                                answer=answer)
    invite = Attachment("invite.ics", calendar, "text", "calendar", {"method": method})
    message = compose(
        settings, key=str(key), to_address=recipient.email, to_name=recipient.name,
        subject=subject, text=text, html=html, now=now, alternatives=[invite],
        attachments=[invite], language=language, unsubscribe_kind="reminders",
        unsubscribe_url=footer["unsubscribe_url"],  # type: ignore[arg-type]
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
    with i18n.using(recipient.language) as language:
        overdue = key.notice == "overdue"
        due = day(action.due_date, language)
        subject = (_("Overdue, was due {day}: {title}", day=due, title=action.title) if overdue
                   else _("Due {day}: {title}", day=due, title=action.title))
        footer = footer_context(settings, recipient, "reminders")
        text, html = render_mail(
            "action", action=action, due=due, overdue=overdue, subject=subject,
            was_due=_was_due(action, recipient, now), status=action_status(action),
            bot_url=links.bot_link(settings.bot_username, f"action_{action.id}"), **footer)
        message = compose(settings, key=str(key), to_address=recipient.email,
                          to_name=recipient.name, subject=subject, text=text, html=html,
                          now=now, language=language,
                          unsubscribe_kind="reminders",
                          unsubscribe_url=footer["unsubscribe_url"])  # type: ignore[arg-type]
    return subject, to_wire(message)


def action_status(action: ActionView) -> str:
    words = STATUS_WORDS.get(action.status)
    return _(words) if words else action.status.replace("_", " ")


def was_due(due: date, today: date, language: str) -> str:
    """'It was due on Friday 29 June (3 days ago).', counted on the reader's own calendar;
    the year is written when it is not this year. A whole sentence per wording."""
    with i18n.using(mail_language(language)) as chosen:
        pattern = "EEEE d MMMM" if due.year == today.year else "EEEE d MMMM y"
        on = format_date(due, pattern, locale=dates.locale_for(chosen))
        days = (today - due).days
        if days >= 1:
            return n_("It was due on {day} ({count} day ago).",
                      "It was due on {day} ({count} days ago).", days, day=on)
        return _("It is due on {day}.", day=on)


def _was_due(action: ActionView, recipient: Recipient, now: datetime) -> str:
    today = now.astimezone(ZoneInfo(recipient.timezone)).date()
    return was_due(action.due_date, today, recipient.language)


def action_telegram_text(action: ActionView, recipient: Recipient, overdue: bool,
                         now: datetime) -> str:
    with i18n.using(recipient.language) as language:
        return render("action.tg.html", action=action, overdue=overdue,
                      due=day(action.due_date, language),
                      was_due=_was_due(action, recipient, now))


# ---------------------------------------------------------------------------------------------
# Linking a Telegram account

LINK_SUBJECT = N_("Your code for the Friends of the Forum assistant")
LINK_CODE_TEXT = N_("""Hello {name},

Someone (hopefully you) asked to link the Telegram account with id {telegram_id} to your contact
record with the GFMD Friends of the Forum assistant.

Your code: {code}

Send "/verify {code}" to the bot within 15 minutes. If it was not you, ignore this message:
nothing changes without the code.
""")


def link_code_message(settings: Settings, *, key: LinkKey, name: str, email: str,
                      telegram_id: int, code: str, now: datetime,
                      language: str | None = None) -> tuple[str, str]:
    """(subject, whole RFC 5322 message) carrying a one-time link code, in `language` (the
    contact's setting; English without one)."""
    with i18n.using(language) as chosen:
        message = compose(
            settings, key=str(key), to_address=email, to_name=name, subject=_(LINK_SUBJECT),
            text=_(LINK_CODE_TEXT, name=name, telegram_id=telegram_id, code=code), now=now,
            language=chosen, unsubscribe_kind=None,  # asked for: no list, nothing to leave
        )
    return str(message["Subject"]), to_wire(message)
