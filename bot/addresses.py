"""Email addresses: accepted when valid by their syntax, wherever they come from.

The sender (FOF_MAIL_FROM) and contact addresses (/setfocal, /link, the import) share this one
check. Internal relays and test set-ups use reserved names (`bot@localhost`,
`noreply@secretariat.local`, `secretariat@fof.test`); email-validator refuses those even when
told not to check deliverability, so its list of special-use names is emptied here (its
module-level settings are its documented switches). Syntax is still checked in full, and an
address with CR, LF or any other control character is refused: no header injection.
"""

from __future__ import annotations

import email_validator
from email_validator import EmailNotValidError, validate_email

__all__ = ["EmailNotValidError", "check_address"]

# Refused only as "not globally deliverable": we deliver through our own relay, which decides.
email_validator.SPECIAL_USE_DOMAIN_NAMES = []


def check_address(value: str) -> str:
    """The normalised address; EmailNotValidError (one sentence) when its syntax is wrong.

    No DNS look-up, no display name, no domain literal: a bare `local@domain`, where the domain
    may be a single label (`localhost`) or a reserved name (`.local`, `.test`).
    """
    return validate_email(
        value, check_deliverability=False, globally_deliverable=False
    ).normalized
