"""Building one email (MIME, RFC 5322). Headers come only from checked values: no header
injection."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from bot.config import Settings

# Headers are not folded below RFC 5322's hard limit: CPython folds a value that fits on a line of
# its own onto a continuation line, and its own parser then reads it back with a leading space.
# Bodies are quoted-printable or base64, whose lines stay under 78 characters anyway.
SMTP_POLICY = SMTP.clone(max_line_length=998)
LIST_ID = "Friends of the Forum <friends.gfmd.example>"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None = None


def _one_line(text: str) -> str:
    """User text that goes into a header: control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID derived from the outbox key: a resend is the same message."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{sender.rsplit('@', 1)[-1]}>"


def compose(
    settings: Settings,
    *,
    key: str,
    to_address: str,
    to_name: str,
    subject: str,
    text: str,
    now: datetime,
    html: str | None = None,
    alternatives: Sequence[Attachment] = (),
    attachments: Sequence[Attachment] = (),
    language: str = "en",
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """One message to one recipient: text (and HTML) parts, attachments, list headers."""
    sender = settings.require_mail_from()
    message = EmailMessage()
    # Address() encodes non-ASCII names and refuses CR/LF in the address itself.
    message["From"] = Address(_one_line(settings.mail_from_name), addr_spec=sender)
    message["To"] = Address(_one_line(to_name), addr_spec=to_address)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(key, sender)
    message["List-Id"] = LIST_ID
    mailto = f"<mailto:{sender}?subject=unsubscribe>"
    if unsubscribe_url:
        # RFC 8058: one POST to the link unsubscribes, no page to click through.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>, {mailto}"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        message["List-Unsubscribe"] = mailto
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps every part 7-bit: the stored message is plain ASCII and needs no
    # 8BITMIME from the server.
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    for part in alternatives:
        message.add_alternative(part.content.decode(), subtype=part.subtype,
                                params=part.params or {}, cte="quoted-printable")
    for part in attachments:
        message.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype,
                               filename=part.filename, params=part.params or {})
    # After the content: set_content() drops Content-* headers set before it.
    message["Content-Language"] = language
    return message


def to_wire(message: EmailMessage) -> str:
    """The message as stored in the outbox and handed to the server (ASCII, RFC 5322)."""
    return message.as_string(policy=SMTP_POLICY)
