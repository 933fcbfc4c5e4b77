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


# What a reader cannot see or that changes what they see is refused in names and titles, so
# that no lookalike ("Bel\u200bgium") can sit beside the real one: control characters (Cc);
# format characters (Cf: zero-width spaces and joiners U+200B-U+200D, word joiner U+2060, BOM
# U+FEFF, direction marks U+200E/U+200F, bidirectional overrides and isolates, soft hyphen, tag
# characters U+E0000-U+E007F); private-use and surrogate code points; and the letters that
# draw nothing (Hangul fillers, the blank Braille pattern). Ordinary letters of any script,
# right-to-left ones included, are fine.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def bad_characters(text: str) -> bool:
    """True when text holds control, format (invisible) or blank characters."""
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BLANK_LETTERS
               for ch in text)
