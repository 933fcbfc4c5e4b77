"""What a message in the secretariat's inbox is, read with the standard library and icalendar.

The order matters:
1. a delivery status notification (RFC 3464), recognised by its content type first
   (`multipart/report; report-type=delivery-status`, or any `message/delivery-status` part):
   real bounces carry `Auto-Submitted` too;
2. a calendar reply (RFC 6047 iMIP: a `text/calendar` part with `METHOD:REPLY`);
3. a non-standard bounce (Exim's, qmail's, Postfix's plain text) from the mail system to our
   VERP address, worded as a failure;
4. an auto-reply (RFC 3834 `Auto-Submitted`, `X-Autoreply`, `X-Autorespond`,
   `Precedence: auto_reply/bulk/junk`, an "out of office" subject): ignored, never a bounce;
5. a request to unsubscribe (the `List-Unsubscribe` mailto: subject "unsubscribe");
6. anything else: not for us (marked handled all the same, never read again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from bot.mail.inbound.verp import Token, find_token

PERMANENT, TEMPORARY = "permanent", "temporary"
STATUS = re.compile(r"\b([245])\.([0-9]{1,3})\.([0-9]{1,3})\b")
SMTP_REPLY = re.compile(r"\b([45])[0-9]{2}[ -]")
DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery (subsystem|system)|mdaemon",
                    re.IGNORECASE)
FAILURE_WORDS = re.compile(
    r"could not be delivered|couldn't be delivered|not able to deliver|undeliver|"
    r"delivery (has )?failed|permanent error|returning message to sender|"
    r"has not yet been delivered|delivery (status notification|to the following)|"
    r"i'm afraid i wasn't able to deliver", re.IGNORECASE)
TEMPORARY_WORDS = re.compile(r"temporary (error|failure)|has not yet been delivered|"
                             r"delayed|will (keep trying|be retried|try again)", re.IGNORECASE)
AUTO_SUBJECT = re.compile(r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|"
                          r"autoreply|absence|abwesenheit|absent|respuesta autom|"
                          r"r[ée]ponse automatique|on vacation|away from)", re.IGNORECASE)
UNSUBSCRIBE = re.compile(r"^\s*((re|fwd?|tr|rv)\s*:\s*)*unsubscribe\b", re.IGNORECASE)
REMINDERS = re.compile(r"reminder", re.IGNORECASE)
PARTSTATS = {"ACCEPTED": "yes", "DECLINED": "no", "TENTATIVE": "maybe"}
# where the address a message was delivered to shows (bounces go to the envelope sender)
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                     "X-Failed-Recipients", "To", "Cc")


@dataclass(frozen=True)
class BounceNote:
    """A bounce: the VERP token (our row), the failed address, how bad, and why."""

    token: Token | None
    recipient: str | None
    severity: str
    status: str
    diagnostic: str


@dataclass(frozen=True)
class CalendarReply:
    attendee: str  # the attendee's address, as the calendar wrote it
    sender: str  # the From address (when the calendar names another attendee address)
    uid: str
    answer: str  # yes, no, maybe


@dataclass(frozen=True)
class Unsubscribe:
    sender: str
    kind: str  # digest or reminders


@dataclass(frozen=True)
class Ignored:
    why: str  # "auto-reply", "not for us", ...


Reading = BounceNote | CalendarReply | Unsubscribe | Ignored


def read_message(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def classify(message: EmailMessage) -> Reading:
    """What this message is (see the module's docstring for the order)."""
    if _is_report(message):
        return _dsn(message) or Ignored("a delivery report without a failure")
    reply = _calendar_reply(message)
    if reply is not None:
        return reply
    bounce = _text_bounce(message)
    if bounce is not None:
        return bounce
    if _is_auto_reply(message):
        return Ignored("auto-reply")
    if UNSUBSCRIBE.match(_header(message, "Subject")):
        sender = parseaddr(_header(message, "From"))[1]
        kind = "reminders" if REMINDERS.search(_header(message, "Subject") + " "
                                               + _text(message)[:500]) else "digest"
        return Unsubscribe(sender, kind) if sender else Ignored("unsubscribe without a sender")
    return Ignored("not for us")


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a header the parser cannot make sense of
        return ""
    return str(value) if value is not None else ""


def _is_report(message: Message) -> bool:
    if message.get_content_type() == "multipart/report" and \
            (message.get_param("report-type") or "").lower() == "delivery-status":
        return True
    return any(part.get_content_type() in ("message/delivery-status",
                                           "message/global-delivery-status")
               for part in message.walk())


def _status_blocks(message: Message) -> list[Message]:
    for part in message.walk():
        if part.get_content_type() in ("message/delivery-status",
                                       "message/global-delivery-status"):
            payload = part.get_payload()
            if isinstance(payload, list):
                return payload[1:] if len(payload) > 1 else payload
    return []


def _address_field(value: str | None) -> str | None:
    """'rfc822; someone@example.org' -> 'someone@example.org'."""
    if not value:
        return None
    address = str(value).split(";", 1)[-1].strip().strip("<>")
    return address or None


def _dsn(message: EmailMessage) -> BounceNote | None:
    """The first failed or delayed recipient of a DSN (we send one recipient per message)."""
    token = _token(message)
    for block in _status_blocks(message):
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        if action not in ("failed", "delayed") and not status.startswith(("4", "5")):
            continue
        found = STATUS.search(status)
        severity = PERMANENT if found and found[1] == "5" and action != "delayed" \
            else TEMPORARY
        recipient = _address_field(block.get("Final-Recipient")) \
            or _address_field(block.get("Original-Recipient"))
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        diagnostic = diagnostic.split(";", 1)[-1].strip() if diagnostic else action
        return BounceNote(token, recipient, severity, found[0] if found else status[:16],
                          diagnostic[:300])
    return None


def _token(message: Message) -> Token | None:
    for name in RECIPIENT_HEADERS:
        for value in message.get_all(name, []) or []:
            token = find_token(str(value))
            if token is not None:
                return token
    return None


def _text(message: EmailMessage) -> str:
    """The first text/plain part (or the whole payload), decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_attachment():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


def _text_bounce(message: EmailMessage) -> BounceNote | None:
    """Exim, qmail and other plain-text bounces from the mail system to a VERP address."""
    if not DAEMON.search(_header(message, "From")):
        return None
    text = _text(message)
    subject = _header(message, "Subject")
    if not FAILURE_WORDS.search(subject + "\n" + text):
        return None
    token = _token(message) or find_token(text)
    if token is None:
        return None
    found = STATUS.search(text)
    smtp = SMTP_REPLY.search(text)
    temporary = (found[1] == "4") if found else \
        bool(TEMPORARY_WORDS.search(subject + "\n" + text)) or bool(smtp and smtp[1] == "4")
    failed = getaddresses(message.get_all("X-Failed-Recipients", []) or [])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    diagnostic = next((line for line in lines if STATUS.search(line) or SMTP_REPLY.match(line)),
                      subject)
    return BounceNote(token, failed[0][1] if failed else None,
                      TEMPORARY if temporary else PERMANENT,
                      found[0] if found else "", diagnostic[:300])


def _is_auto_reply(message: Message) -> bool:
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk"):
        return True
    return bool(AUTO_SUBJECT.match(_header(message, "Subject")))


def _calendar_reply(message: EmailMessage) -> CalendarReply | None:
    for part in message.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        found = reply_of(data, parseaddr(_header(message, "From"))[1])
        if found is not None:
            return found
    return None


def reply_of(data: bytes, sender: str) -> CalendarReply | None:
    """The attendee's answer in an iCalendar REPLY, or None when it is not one we can use."""
    import icalendar  # loaded with the first calendar reply, not at start

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return None
    if str(calendar.get("METHOD", "")).upper() != "REPLY":
        return None
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        for attendee in attendees:
            if attendee is None:
                continue
            answer = PARTSTATS.get(str(attendee.params.get("PARTSTAT", "")).upper())
            uid = str(event.get("UID", "")).strip()
            if answer and uid:
                address = re.sub(r"^mailto:", "", str(attendee), flags=re.IGNORECASE)
                return CalendarReply(address.strip(), sender, uid, answer)
    return None
