"""Checking a DKIM private key file (FOF_DKIM_KEY_FILE) when the settings are read: an
unreadable or unusable key is a configuration error at start, not a failure at the first send.
"""

from __future__ import annotations

from pathlib import Path


class KeyProblem(Exception):
    """The key file cannot be used; the message says why, in a few words."""


def check_key_file(path: Path) -> bytes:
    """The PEM bytes of a usable RSA private key, or KeyProblem."""
    from dkim.crypto import UnparsableKeyError, parse_pem_private_key  # only when DKIM is on

    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"cannot be read ({exc.strerror or exc})") from None
    try:
        parse_pem_private_key(pem)
    except (UnparsableKeyError, ValueError, IndexError, TypeError):
        raise KeyProblem("is not an RSA private key in PEM (make one with `openssl genrsa "
                         "-out dkim.pem 2048`)") from None
    return pem
