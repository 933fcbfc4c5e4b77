"""Lists and numbers in a sentence, in the reader's language: "A, B or C" / "A, B ou C",
"1,234" / "1 234" / "1234"."""

from __future__ import annotations

from babel.lists import format_list
from babel.numbers import format_decimal

from bot.i18n import DEFAULT, current


def either(items: list[str]) -> str:
    """'A', 'A or B', 'A, B or C' (the house's English, without the serial comma); in French
    and Spanish as Babel writes them ('A, B ou C', 'A, B o C')."""
    if len(items) <= 1:
        return "".join(items)
    if current() == DEFAULT:
        return f"{', '.join(items[:-1])} or {items[-1]}"
    return format_list(items, style="or", locale=current())


def number(value: int) -> str:
    """A count as the reader writes it: '1,234' in English, '1 234' in French."""
    if current() == DEFAULT:
        return f"{value:,}"
    return format_decimal(value, locale=current())
