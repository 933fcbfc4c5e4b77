"""VERP: each message's envelope sender names its outbox row, so a bounce says which it was.

The address is `local+b<row id>x<mac>@domain`, from FOF_BOUNCE_ADDRESS (default FOF_MAIL_FROM).
The mac is the first ten hex digits of an HMAC-SHA256 of the row's stored message, keyed with
FOF_SECRET_KEY when set: it needs no column (the SMTP sender computes it from the row it sends)
and cannot be forged by someone who has not seen the message, so a stranger cannot mail a fake
bounce that disables a contact. Lower-case hex survives relays that change the case of a
local part. Rotating FOF_SECRET_KEY makes bounces of older messages unreadable (ignored).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from bot.config import Settings
from storage.outbox import OutboxRow

MAC_LENGTH = 10
TOKEN = re.compile(r"\+b([0-9]{1,9})x([0-9a-f]{" + str(MAC_LENGTH) + r"})@", re.IGNORECASE)
UNKEYED = b"fof-verp"


def _key(settings: Settings) -> bytes:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    return secret.encode() or UNKEYED


def mac(settings: Settings, row_id: int, body: str) -> str:
    digest = hmac.new(_key(settings), f"{row_id}\n".encode() + body.encode("utf-8", "replace"),
                      hashlib.sha256)
    return digest.hexdigest()[:MAC_LENGTH]


def bounce_base(settings: Settings) -> str:
    return settings.bounce_address or settings.require_mail_from()


def address_for(settings: Settings, row_id: int, body: str) -> str:
    local, _, domain = bounce_base(settings).rpartition("@")
    return f"{local}+b{row_id}x{mac(settings, row_id, body)}@{domain}"


def bounce_sender(settings: Settings, row: OutboxRow) -> str:
    """The envelope sender (MAIL FROM) for one outbox row."""
    return address_for(settings, row.id, row.body)


@dataclass(frozen=True)
class Token:
    row_id: int
    mac: str

    def genuine(self, settings: Settings, body: str) -> bool:
        return hmac.compare_digest(self.mac.lower(), mac(settings, self.row_id, body))


def find_token(text: str) -> Token | None:
    """The first VERP token in a header value or a text."""
    found = TOKEN.search(text)
    return Token(int(found[1]), found[2].lower()) if found else None
