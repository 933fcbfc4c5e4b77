"""Building one email (MIME, RFC 5322). Headers come only from checked values: no header
injection.

`compose()` writes the message straight to its wire form (`bot.mail.wire`): the `email`
package's EmailMessage/as_string took 3-4 ms a message, most of a digest's cost. Whatever the
fast writer does not handle with certainty (an address or header value it cannot prove plain)
goes through the `email` package, as before; so does any use of the result as an EmailMessage
(`Composed` builds one on demand, with the same headers and Message-ID).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from bot.config import Settings
from bot.mail import wire

# Headers are not folded below RFC 5322's hard limit: CPython folds a value that fits on a line of
# its own onto a continuation line, and its own parser then reads it back with a leading space.
# Bodies are quoted-printable or base64, whose lines stay under 78 characters anyway.
SMTP_POLICY = SMTP.clone(max_line_length=998)
LIST_ID = "Friends of the Forum <friends.gfmd.example>"
# Exchange and Outlook send no out-of-office or other automatic answer to a message with this.
AUTO_RESPONSE_SUPPRESS = "All"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None = None


def _one_line(text: str) -> str:
    """User text that goes into a header: control characters become spaces."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def _mailbox(name: str, address: str) -> wire.Mailbox | Address:
    """A name and an address for From/To. A plain address is checked by `wire.ADDR_SPEC`;
    anything else goes through Address(), which encodes what it must and refuses CR/LF."""
    if wire.ADDR_SPEC.fullmatch(address):
        return wire.Mailbox(_one_line(name), address)
    return Address(_one_line(name), addr_spec=address)


def message_id(key: str, sender: str) -> str:
    """A Message-ID unique for ever: a random part drawn when the message is built (so stored
    with the row's body: a resend of the row is the same message) and a digest of the outbox
    key (readable in logs). A rebuilt database or a staging copy never repeats one."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<{secrets.token_hex(12)}.{digest}@{sender.rsplit('@', 1)[-1]}>"


@dataclass
class _Parts:
    text: str
    html: str | None
    alternatives: Sequence[Attachment]
    attachments: Sequence[Attachment]


class Composed:
    """One composed message: its header values (`message["Subject"]`) and its wire form
    (`to_wire`). Anything else asked of it is answered by an EmailMessage built on demand
    with the same headers; from then on that EmailMessage is the message."""

    def __init__(self, headers: list[tuple[str, Any]], parts: _Parts) -> None:
        self._headers = headers  # (name, value): value a str, or an Address
        self._parts = parts
        self._message: EmailMessage | None = None

    def __getitem__(self, name: str) -> str | None:
        if self._message is not None:
            return self._message[name]
        for key, value in self._headers:
            if key.lower() == name.lower():
                return str(value)
        return None

    def get(self, name: str, default: str | None = None) -> str | None:
        found = self[name]
        return default if found is None else found

    def __contains__(self, name: str) -> bool:
        return self[name] is not None

    def __setitem__(self, name: str, value: str) -> None:
        self.message()[name] = value

    def __delitem__(self, name: str) -> None:
        del self.message()[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.message(), name)

    def message(self) -> EmailMessage:
        """The message as an EmailMessage (built once, then used for the wire too)."""
        if self._message is None:
            self._message = _email_message(self._headers, self._parts)
        return self._message

    def as_string(self) -> str:
        if self._message is not None:
            return self._message.as_string(policy=SMTP_POLICY)
        fast = wire.write(self._headers, self._parts.text, self._parts.html,
                          self._parts.alternatives, self._parts.attachments)
        return fast if fast is not None else self.message().as_string(policy=SMTP_POLICY)


# The List-Unsubscribe mailto's subject (URL-encoded) for each kind of mail it turns off.
UNSUBSCRIBE_SUBJECTS = {"digest": "unsubscribe", "reminders": "unsubscribe%20reminders"}


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
    unsubscribe_kind: str | None = "digest",
) -> Composed:
    """One message to one recipient: text (and HTML) parts, attachments, list headers.

    `unsubscribe_kind` ("digest" or "reminders") is the kind of mail the List-Unsubscribe
    mailto turns off: its subject is the one the inbox reads (`bot.mail.inbound.parse`).
    None for a message the person asked for (a link code): no list headers at all."""
    sender = settings.require_mail_from()
    headers: list[tuple[str, Any]] = [
        ("From", _mailbox(settings.mail_from_name, sender)),
        ("To", _mailbox(to_name, to_address)),
        ("Subject", _one_line(subject)),
        ("Date", format_datetime(now)),
        ("Message-ID", message_id(key, sender)),
    ]
    if unsubscribe_kind is not None:
        headers += _list_headers(sender, unsubscribe_kind, unsubscribe_url)
    headers += [("Auto-Submitted", "auto-generated"),
                ("X-Auto-Response-Suppress", AUTO_RESPONSE_SUPPRESS),
                ("Content-Language", _one_line(language) or "en")]
    return Composed(headers, _Parts(text, html, alternatives, attachments))


def _list_headers(sender: str, kind: str, unsubscribe_url: str | None
                  ) -> list[tuple[str, Any]]:
    headers: list[tuple[str, Any]] = [("List-Id", LIST_ID)]
    mailto = f"<mailto:{sender}?subject={UNSUBSCRIBE_SUBJECTS[kind]}>"
    if unsubscribe_url:
        # RFC 8058: one POST to the link unsubscribes, no page to click through.
        headers += [("List-Unsubscribe", f"<{_one_line(unsubscribe_url)}>, {mailto}"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    else:
        headers.append(("List-Unsubscribe", mailto))
    return headers


def _email_message(headers: list[tuple[str, Any]], parts: _Parts) -> EmailMessage:
    """The same message through the `email` package (the general path)."""
    message = EmailMessage()
    content_headers = []
    for name, value in headers:
        if name.lower().startswith("content-"):
            content_headers.append((name, value))
        elif isinstance(value, wire.Mailbox):
            message[name] = Address(value.name, addr_spec=value.address)
        else:
            message[name] = value
    # Quoted-printable keeps every part 7-bit: the stored message is plain ASCII and needs no
    # 8BITMIME from the server.
    message.set_content(parts.text, cte="quoted-printable")
    if parts.html is not None:
        message.add_alternative(parts.html, subtype="html", cte="quoted-printable")
    for part in parts.alternatives:
        message.add_alternative(part.content.decode(), subtype=part.subtype,
                                params=part.params or {}, cte="quoted-printable")
    for part in parts.attachments:
        message.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype,
                               filename=part.filename, params=part.params or {})
    # After the content: set_content() drops Content-* headers set before it.
    for name, value in content_headers:
        message[name] = value
    return message


def to_wire(message: Composed | EmailMessage) -> str:
    """The message as stored in the outbox and handed to the server (ASCII, RFC 5322)."""
    return message.as_string() if isinstance(message, Composed) else message.as_string(
        policy=SMTP_POLICY)
