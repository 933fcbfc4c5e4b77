"""DKIM signatures (RFC 6376) with dkimpy, added when a message is handed to the relay.

With FOF_DKIM_KEY_FILE (an RSA private key in PEM) and FOF_DKIM_SELECTOR, every message is
signed for d = the domain of FOF_MAIL_FROM, relaxed/relaxed (it survives relays that re-fold
headers or strip trailing spaces), over the headers a receiver judges a sender by. The outbox
keeps the unsigned message: a message retried tomorrow is signed with tomorrow's key.
The public key to publish in DNS: README, "Mail authentication".
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.mail.dkim_key import check_key_file

# Signed when present, in this order (RFC 6376 5.4.1 and RFC 8058 for List-Unsubscribe-Post).
SIGNED_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                  "List-Unsubscribe-Post", "MIME-Version", "Content-Type")
CANONICALIZE = (b"relaxed", b"relaxed")


def _header_names(wire: str) -> set[str]:
    """Names of the top-level headers (lower case), up to the first empty line."""
    head = wire.split("\r\n\r\n", 1)[0]
    return {line.split(":", 1)[0].strip().lower() for line in head.split("\r\n")
            if line and line[0] not in " \t"}


@dataclass(frozen=True)
class Signer:
    key: bytes
    selector: str
    domain: str

    def sign(self, wire: str) -> str:
        """The message with its DKIM-Signature header first."""
        import dkim  # loaded when DKIM is on (a tenth of a second at start otherwise)

        present = _header_names(wire)
        headers = [name.encode() for name in SIGNED_HEADERS if name.lower() in present]
        signature = dkim.sign(wire.encode("ascii"), self.selector.encode(),
                              self.domain.encode(), self.key, canonicalize=CANONICALIZE,
                              include_headers=headers)
        return signature.decode("ascii") + wire


def signer_for(settings: Settings) -> Signer | None:
    """The signer the settings ask for, or None when DKIM is off."""
    if settings.dkim_key_file is None or not settings.dkim_selector:
        return None
    domain = settings.require_mail_from().rsplit("@", 1)[-1]
    return Signer(check_key_file(settings.dkim_key_file), settings.dkim_selector, domain)
