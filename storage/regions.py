"""The bundled table of the 193 UN member states with their UN regional group."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
