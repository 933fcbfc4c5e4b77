"""The bundled table of the 193 UN member states with their UN regional group, and the names
of countries in the Forum's three languages (from Babel's CLDR data)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale

TABLE = Path(__file__).parent / "data" / "un_member_states.csv"


@dataclass(frozen=True)
class State:
    code: str
    name: str
    region: str
    aliases: tuple[str, ...]


@cache
def un_member_states() -> dict[str, State]:
    """ISO 3166 alpha-2 code -> State, read once."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: State(
                code=row["code"],
                name=row["name"],
                region=row["region"],
                aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
            )
            for row in csv.DictReader(handle)
        }


def region_for(code: str) -> str | None:
    """The UN regional group of a state, or None for an organisation or unknown code."""
    state = un_member_states().get(code.upper())
    return state.region if state else None


# The languages a country's name is known in (CLDR territory names, "MX" -> Mexique, México).
NAME_LANGUAGES = ("en", "fr", "es")


@cache
def _territories() -> tuple[dict[str, str], ...]:
    return tuple(Locale(language).territories for language in NAME_LANGUAGES)


def territory_names(code: str) -> tuple[str, ...]:
    """A country's names in English, French and Spanish when `code` is an ISO 3166 country
    code ("DE" -> Germany, Allemagne, Alemania); nothing for an organisation's code."""
    code = code.upper()
    if len(code) != 2 or not code.isalpha():
        return ()
    found = [table[code] for table in _territories() if code in table]
    return tuple(dict.fromkeys(found))
