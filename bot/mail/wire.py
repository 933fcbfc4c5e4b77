"""The fast writer of `bot.mail.mime`: a message's wire form (RFC 5322/2045, CRLF, 7-bit) from
its checked header values and its parts, without building an EmailMessage.

Quoted-printable and base64 come from the C codecs (`binascii`); non-ASCII names and subjects
become RFC 2047 encoded words (`email.header.Header`). Every value is checked before it is
written: anything this writer cannot prove plain (a non-ASCII address, a header value with
control characters or an encoded-word look-alike, an unusual parameter) makes `write` return
None, and the caller falls back on the `email` package. The output parses to the same message
as the `email` package's (tests/test_mail_headers.py compares them).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Sequence
from email.header import Header
from email.headerregistry import Address
from typing import Any, NamedTuple, Protocol

CRLF = "\r\n"
MAX_HEADER = 900  # a plain header line stays well under RFC 5322's 998 characters
ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
PLAIN_VALUE = re.compile(r"[\x20-\x7e]*")
TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # RFC 2045 token (parameter values)
SPECIALS = re.compile(r'[][\\()<>@,:;".]')


class Part(Protocol):
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None


class Mailbox(NamedTuple):
    """A name and a plain address (`ADDR_SPEC`), for From and To."""

    name: str
    address: str

    def __str__(self) -> str:
        return str(Address(self.name, addr_spec=self.address))


class NotPlain(Exception):
    """A value this writer does not write; the caller uses the `email` package instead."""


def _plain(value: str) -> str:
    if len(value) > MAX_HEADER or not PLAIN_VALUE.fullmatch(value) or "=?" in value:
        raise NotPlain(value)
    return value


def _encoded(value: str, name: str) -> str:
    """An unstructured value: as it is when plain ASCII, else RFC 2047 encoded words."""
    try:
        return _plain(value)
    except NotPlain:
        if any(not ch.isprintable() for ch in value):
            raise
        return Header(value, "utf-8", header_name=name).encode(linesep=CRLF)


def _address(value: Mailbox, name: str) -> str:
    addr = value.address
    if not ADDR_SPEC.fullmatch(addr):
        raise NotPlain(addr)
    display = value.name
    if not display:
        return addr
    if display.isascii():
        _plain(display)
        if SPECIALS.search(display):
            display = '"{}"'.format(display.replace("\\", "\\\\").replace('"', '\\"'))
        return f"{display} <{addr}>"
    return f"{_encoded(display, name)} <{addr}>"


def _header(name: str, value: Any) -> str:
    if isinstance(value, Address):
        raise NotPlain(str(value))
    if isinstance(value, Mailbox):
        return f"{name}: {_address(value, name)}"
    if name in ("Subject",):
        return f"{name}: {_encoded(value, name)}"
    return f"{name}: {_plain(value)}"


def _params(params: dict[str, str] | None) -> str:
    text = ""
    for key, value in (params or {}).items():
        if not TOKEN.fullmatch(key) or not TOKEN.fullmatch(value):
            raise NotPlain(f"{key}={value}")
        text += f'; {key}="{value}"'
    return text


def _quoted_printable(text: str) -> str:
    """The text as the `email` package encodes it: lines normalised, UTF-8, quoted-printable
    (C codec: lines of at most 76 characters), CRLF."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return binascii.b2a_qp(data, istext=True).decode("ascii").replace("\n", CRLF)


def _text_part(subtype: str, text: str, params: dict[str, str] | None = None) -> str:
    return (f'Content-Type: text/{subtype}; charset="utf-8"{_params(params)}{CRLF}'
            f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}"
            + _quoted_printable(text))


def _attachment(part: Part) -> str:
    if not TOKEN.fullmatch(part.maintype) or not TOKEN.fullmatch(part.subtype) \
            or not TOKEN.fullmatch(part.filename):
        raise NotPlain(part.filename)
    payload = base64.encodebytes(part.content).decode("ascii").replace("\n", CRLF)
    return (f"Content-Type: {part.maintype}/{part.subtype}{_params(part.params)}{CRLF}"
            f"Content-Transfer-Encoding: base64{CRLF}"
            f'Content-Disposition: attachment; filename="{part.filename}"{CRLF}{CRLF}'
            + payload)


def _multipart(subtype: str, parts: list[str]) -> str:
    # "=_" never occurs in quoted-printable or base64 text: the boundary cannot collide.
    boundary = f"=_{secrets.token_hex(12)}"  # the Content-Type line stays under 78
    inner = f"{CRLF}--{boundary}{CRLF}".join(parts)
    return (f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}'
            f"--{boundary}{CRLF}{inner}{CRLF}--{boundary}--{CRLF}")


def write(headers: Sequence[tuple[str, Any]], text: str, html: str | None,
          alternatives: Sequence[Part], attachments: Sequence[Part]) -> str | None:
    """The whole message (CRLF line ends, ASCII), or None when a value is not plain."""
    try:
        lines = [_header(name, value) for name, value in headers]
        leaves = [_text_part("plain", text)]
        if html is not None:
            leaves.append(_text_part("html", html))
        for part in alternatives:
            if part.maintype != "text":
                raise NotPlain(part.maintype)
            if not TOKEN.fullmatch(part.subtype):
                raise NotPlain(part.subtype)
            leaves.append(_text_part(part.subtype, part.content.decode(), part.params))
        body = leaves[0] if len(leaves) == 1 else _multipart("alternative", leaves)
        if attachments:
            body = _multipart("mixed", [body] + [_attachment(part) for part in attachments])
    except (NotPlain, UnicodeError):
        return None
    return CRLF.join(lines) + CRLF + "MIME-Version: 1.0" + CRLF + body
