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
from bot.i18n import N_, _, current, n_, using
from storage.audit import AuditAction, describe
from storage.people import KnownName

OPERATOR = N_("the operator (command line)")
CONFIGURATION = N_("the configuration (FOF_ADMIN_IDS)")


def person_label(telegram_id: int, known: KnownName | None) -> str:
    """'Jan Peeters (5002)' (contact record), '“Support” (Telegram name, 900999)' or
    'user 900999'. A name Telegram gives is the user's own choice, so it is quoted as such."""
    if known is None:
        return _("user {telegram_id}", telegram_id=telegram_id)
    if known.from_contact:
        return f"{known.name} ({telegram_id})"
    return _("“{name}” (Telegram name, {telegram_id})", name=known.name,
             telegram_id=telegram_id)


INBOX = N_("the secretariat’s inbox")


def actor_label(actor: str, names: dict[int, KnownName]) -> str:
    """Who an audit entry names: a Telegram id, `cli`, `config`, `mail` (the inbox),
    `person:<id>` (a contact acting by a link or by mail), or (older entries) an email."""
    if actor == "cli":
        return _(OPERATOR)
    if actor == "config":
        return _(CONFIGURATION)
    if actor == "mail":
        return _(INBOX)
    kind, _sep, number = actor.partition(":")
    if kind == "person" and number.isdigit():
        return _("contact #{number}", number=number)
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
    number, _sep, title = line.subject.partition(" ")
    values = line.after or line.before or {}
    return number, str(values.get("title") or title)


def _denied(line: AuditLine, reader: Reader, who: str) -> str:
    after = line.after or {}
    count = int(after.get("count", 1))
    if count == 1:
        return _("{who} was refused /{command}: “{attempted}”", who=who, command=line.subject,
                 attempted=after.get("attempted", ""))
    last = datetime.fromisoformat(after["last_at"]) if after.get("last_at") else line.at
    zone = ZoneInfo(reader.zone)
    same_day = last.astimezone(zone).date() == line.at.astimezone(zone).date()
    until = short_moment(last, reader.zone, reader.language, with_date=not same_day)
    return n_("{who} was refused /{command} {count} time, {start}–{end}",
              "{who} was refused /{command} {count} times, {start}–{end}", count, who=who,
              command=line.subject, start=reader.moment(line.at), end=until)


def _import(line: AuditLine, who: str) -> str:
    after = line.after or {}
    file = after.get("file", line.subject)
    if after.get("kind") == "actions":
        return _("{who} imported {file}: {added} action items added, {recorded} already "
                 "recorded, {rejected} rejected", who=who, file=file,
                 added=after.get("actions_added", 0), recorded=after.get("unchanged", 0),
                 rejected=after.get("rejected", 0))
    return _("{who} imported {file}: {added} members added, {updated} updated, {unchanged} "
             "unchanged, {rejected} rejected", who=who, file=file,
             added=len(after.get("added") or []), updated=len(after.get("updated") or []),
             unchanged=after.get("unchanged", 0), rejected=after.get("rejected", 0))


def _moved(line: AuditLine, reader: Reader, who: str) -> str:
    number, title = _meeting(line)
    return _("{who} moved {title} meeting #{number} from {old} to {new}", who=who, title=title,
             number=number, old=reader.moment((line.before or {}).get("starts_at")),
             new=reader.moment((line.after or {}).get("starts_at")))


def _scheduled(line: AuditLine, reader: Reader, who: str) -> str:
    number, title = _meeting(line)
    return _("{who} scheduled {title} meeting #{number} for {start}", who=who, title=title,
             number=number, start=reader.moment((line.after or {}).get("starts_at")))


def _cancelled(line: AuditLine, reader: Reader, who: str) -> str:
    number, title = _meeting(line)
    return _("{who} cancelled {title} meeting #{number} of {start}", who=who, title=title,
             number=number, start=reader.moment((line.before or {}).get("starts_at")))


def _action_added(line: AuditLine, reader: Reader, who: str) -> str:
    number, _sep, code = line.subject.partition(" ")
    after = line.after or {}
    return _("{who} added action #{number} for {member}: {title}, due {due}", who=who,
             number=number, member=code, title=after.get("title", ""),
             due=reader.day(after.get("due_date")))


def _focal(line: AuditLine, who: str) -> str:
    people = (line.after or {}).get("focal") or [{}]
    person = people[0] or {}
    return _("{who} made {name} <{email}> the focal point for {member}", who=who,
             name=person.get("name", "?"), email=person.get("email", "?"), member=line.subject)


SETTING_VIA = {
    "link": N_("{who} changed their {setting} setting by the unsubscribe link: {change}"),
    "mail": N_("{who} changed their {setting} setting by mail: {change}"),
}


def _setting(line: AuditLine, who: str) -> str:
    email, _sep, name = line.subject.rpartition(" ")
    before, after = line.before or {}, line.after or {}
    if line.actor.startswith("person:") and email:
        who = email  # a contact without Telegram: their address says more than a number
    change = describe({name: before.get(name)}, {name: after.get(name)})
    if after.get("via") in SETTING_VIA:
        return _(SETTING_VIA[after["via"]], who=who, setting=name, change=change)
    return _("{who} changed their {setting} setting: {change}", who=who, setting=name,
             change=change)


ANSWERED = {  # (answer, how it came) -> the sentence
    ("yes", "telegram"): N_("{who} answered yes for {title} (with the buttons in Telegram)"),
    ("no", "telegram"): N_("{who} answered no for {title} (with the buttons in Telegram)"),
    ("maybe", "telegram"): N_("{who} answered maybe for {title} (with the buttons in "
                              "Telegram)"),
    ("yes", "link"): N_("{who} answered yes for {title} (by the link in the email)"),
    ("no", "link"): N_("{who} answered no for {title} (by the link in the email)"),
    ("maybe", "link"): N_("{who} answered maybe for {title} (by the link in the email)"),
    ("yes", "calendar reply"): N_("{who} answered yes for {title} (by a calendar reply)"),
    ("no", "calendar reply"): N_("{who} answered no for {title} (by a calendar reply)"),
    ("maybe", "calendar reply"): N_("{who} answered maybe for {title} (by a calendar reply)"),
}


def _answered(line: AuditLine, who: str) -> str:
    """Any attendance answer: by the Telegram buttons, an RSVP link or a calendar reply (and
    the older `attendance.answer` entries of calendar replies, whose subject names the
    person)."""
    after = line.after or {}
    number, _sep, rest = line.subject.partition(" ")
    if line.action == AuditAction.ATTENDANCE_ANSWER:
        who, title = rest or who, _("meeting #{number}", number=number)
    else:
        if not line.actor.isdigit():  # by a link or by mail: the name the entry keeps
            who = after.get("person") or who
        title = rest or _("meeting #{number}", number=number)
    return _(ANSWERED[(after["answer"], after.get("via", "link"))], who=who, title=title)


def _bounced(line: AuditLine, who: str) -> str:
    reason = (line.after or {}).get("reason")
    if reason:
        return _("{who} stopped mail to {address}: it bounces ({reason})", who=who,
                 address=line.subject, reason=reason)
    return _("{who} stopped mail to {address}: it bounces", who=who, address=line.subject)


GAVE_SEAT = {
    "past": N_("{who} gave the past troika seat to {member}"),
    "present": N_("{who} gave the present troika seat to {member}"),
    "future": N_("{who} gave the future troika seat to {member}"),
}
GAVE_SEAT_FROM = {
    "past": N_("{who} gave the past troika seat to {member} (it was {previous}’s)"),
    "present": N_("{who} gave the present troika seat to {member} (it was {previous}’s)"),
    "future": N_("{who} gave the future troika seat to {member} (it was {previous}’s)"),
}


def _troika(line: AuditLine, who: str) -> str:
    before, after = line.before or {}, line.after or {}
    member = after.get("holder", "?")
    if before.get("holder"):
        return _(GAVE_SEAT_FROM[line.subject], who=who, member=member,
                 previous=before["holder"])
    return _(GAVE_SEAT[line.subject], who=who, member=member)


def _retried(line: AuditLine, who: str) -> str:
    count = line.subject.split(" ", 1)[0]
    if not count.isdigit():
        return _("{who} retried {what} of failed mail", who=who, what=line.subject)
    return n_("{who} retried {count} message of failed mail",
              "{who} retried {count} messages of failed mail", int(count), who=who)


Sentence = Callable[[AuditLine, Reader, str], str]
_SENTENCES: dict[str, Sentence] = {
    AuditAction.MEMBER_ADD: lambda e, r, w: _("{who} added the member {member}", who=w,
                                              member=_member(e.after or {}, e.subject)),
    AuditAction.MEMBER_UPDATE: lambda e, r, w: _("{who} changed {member}: {change}", who=w,
                                                 member=_member(e.before or {}, e.subject),
                                                 change=e.change),
    AuditAction.MEMBER_REMOVE: lambda e, r, w: _("{who} removed the member {member}", who=w,
                                                 member=_member(e.before or {}, e.subject)),
    AuditAction.STEERING_ADD: lambda e, r, w: _("{who} put {member} on the steering group",
                                                who=w, member=_member(e.after or {}, e.subject)),
    AuditAction.STEERING_REMOVE: lambda e, r, w: _(
        "{who} took {member} off the steering group", who=w,
        member=_member(e.after or {}, e.subject)),
    AuditAction.TROIKA_SET: lambda e, r, w: _troika(e, w),
    AuditAction.FOCAL_SET: lambda e, r, w: _focal(e, w),
    AuditAction.MEETING_ADD: _scheduled,
    AuditAction.MEETING_MOVE: _moved,
    AuditAction.MEETING_CANCEL: _cancelled,
    AuditAction.ACTION_ADD: _action_added,
    AuditAction.ACTION_NOTE: lambda e, r, w: _("{who} added a note to action #{number}: {note}",
                                               who=w, number=e.subject,
                                               note=(e.after or {}).get("note", "")),
    AuditAction.ACTION_DONE: lambda e, r, w: _("{who} marked action #{number} done: {title}",
                                               who=w, number=e.subject,
                                               title=(e.after or {}).get("title", "")),
    AuditAction.ADMIN_ADD: lambda e, r, w: _("{who} made {person} an administrator", who=w,
                                             person=e.subject_name or e.subject),
    AuditAction.ADMIN_REMOVE: lambda e, r, w: _("{who} removed {person} from the "
                                                "administrators", who=w,
                                                person=e.subject_name or e.subject),
    AuditAction.SETTINGS_CHANGE: lambda e, r, w: _setting(e, w),
    AuditAction.PERSON_LINK: lambda e, r, w: _("{who} linked their Telegram account to "
                                               "{email}", who=w, email=e.subject),
    AuditAction.PERSON_UNLINK: lambda e, r, w: _("{who} lost the link to {email} (linked "
                                                 "elsewhere)", who=w, email=e.subject),
    AuditAction.DIGEST_RUN: lambda e, r, w: _("{who} ran the digest: {summary}", who=w,
                                              summary=e.subject),
    AuditAction.OUTBOX_RETRY: lambda e, r, w: _retried(e, w),
    AuditAction.DENIED: _denied,
    AuditAction.IMPORT: lambda e, r, w: _import(e, w),
    AuditAction.MEETING_ANSWER: lambda e, r, w: _answered(e, w),
    AuditAction.ATTENDANCE_ANSWER: lambda e, r, w: _answered(e, w),
    AuditAction.ADDRESS_BOUNCES: lambda e, r, w: _bounced(e, w),
    AuditAction.ADDRESS_CLEARED: lambda e, r, w: _("{who} let mail go to {address} again",
                                                   who=w, address=e.subject),
}


def sentence(line: AuditLine, zone: str, language: str | None = None) -> str:
    """'Jan Peeters moved Steering group meeting #2 from Thu 5 Jul 2007, 14:00 to ...', in
    `language` (else the reader's language of this update)."""
    with using(language or current()) as chosen:
        reader = Reader(zone, chosen)
        who = line.who or line.actor
        try:
            return _SENTENCES[line.action](line, reader, who)
        except (KeyError, ValueError, TypeError, IndexError):  # an entry of an unknown shape
            if line.change:
                return f"{who} {line.action} {line.subject}: {line.change}"
            return f"{who} {line.action} {line.subject}"
