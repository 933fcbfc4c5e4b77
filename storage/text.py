"""Loose text comparison shared by name matching and plain questions."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Côte d'Ivoire" -> "cote d ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", plain.casefold()).split())


# Bidirectional overrides and isolates reorder what a reader sees (spoofing); control characters
# break layouts. Ordinary right-to-left letters are fine.
_FORBIDDEN = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def bad_characters(text: str) -> bool:
    """True when text holds control characters or bidirectional overrides."""
    return any(unicodedata.category(ch) == "Cc" or ch in _FORBIDDEN for ch in text)
