"""Loose matching of what people write for a time zone, a language or a UN regional group.

"brussels", "new york", "Geneva" (a Forum host city that is not a zone name), "Français",
"spanish", "afrika", "GRULAC": each vocabulary maps folded aliases (`storage.text.fold`) to one
value. A lookup gives the value when the match is certain (an alias, or one close spelling well
ahead of the rest), else the close candidates, possibly none. Members are matched in storage
(`storage.members.resolve`), against the database.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import TZPATH, available_timezones

from rapidfuzz import fuzz, process

from storage.models import Region
from storage.people import LANGUAGES
from storage.text import fold

# Cities that hosted the Global Forum (or its meetings) and are not the city of a zone name.
HOST_CITIES: dict[str, str] = {
    "Geneva": "Europe/Zurich",
    "Genève": "Europe/Zurich",
    "Puerto Vallarta": "America/Mexico_City",
    "Port Louis": "Indian/Mauritius",
    "Marrakech": "Africa/Casablanca",
    "Marrakesh": "Africa/Casablanca",
    "Quito": "America/Guayaquil",
    "Abu Dhabi": "Asia/Dubai",
    "Nice": "Europe/Paris",
}
# How a zone is shown on a button when its city is not the one people know it by.
SHOWN_AS = {"Europe/Zurich": "Geneva"}
# The zone areas whose last part is a city (or an island) people would write.
CITY_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
              "Indian", "Pacific")

LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("en", "eng", "English", "anglais", "inglés", "Englisch"),
    "fr": ("fr", "fra", "fre", "French", "Français", "francés", "Französisch"),
    "es": ("es", "spa", "Spanish", "Español", "espagnol", "castellano", "Spanisch"),
}

REGION_ALIASES: dict[str, tuple[str, ...]] = {
    Region.AFRICAN: ("Africa", "African group", "African states", "Afrique"),
    Region.ASIA_PACIFIC: ("Asia", "Asia Pacific", "Asia-Pacific group", "APG", "Pacific",
                          "Asia and the Pacific"),
    Region.EASTERN_EUROPEAN: ("Eastern Europe", "Eastern European group", "EEG", "Eastern"),
    Region.LATIN_AMERICAN_CARIBBEAN: (
        "Latin America", "Latin", "GRULAC", "Caribbean", "Latin America and Caribbean",
        "Latin America and the Caribbean", "Latin American and Caribbean group"),
    Region.WEOG: ("WEOG", "Western", "Western Europe", "Western European",
                  "Western European and others group", "Europe"),
}


@dataclass(frozen=True)
class Lookup:
    """`value` when the match is certain; else `candidates`, the closest values first."""

    value: str | None
    candidates: tuple[str, ...] = ()


def key(text: str) -> str:
    """The folded form aliases are compared in ("America/New_York" -> "america new york")."""
    return fold(text.replace("_", " "))


@dataclass(frozen=True)
class Vocabulary:
    """Folded alias -> value; `certain` is the similarity (0-100) a lone close spelling needs."""

    aliases: dict[str, str]
    certain: float = 80
    near: float = 70
    limit: int = 5

    def lookup(self, text: str) -> Lookup:
        wanted = key(text)
        if not wanted or len(wanted) > 100:
            return Lookup(None)
        if wanted in self.aliases:
            return Lookup(self.aliases[wanted], (self.aliases[wanted],))
        best: dict[str, float] = {}
        for _alias, score, alias in process.extract(
            wanted, {a: a for a in self.aliases}, scorer=fuzz.ratio, limit=None,
            score_cutoff=self.near,
        ):
            value = self.aliases[alias]
            best[value] = max(score, best.get(value, 0))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        candidates = tuple(value for value, _ in ranked[: self.limit])
        if ranked and ranked[0][1] >= self.certain and (
            len(ranked) == 1 or ranked[1][1] <= ranked[0][1] - 8
        ):
            return Lookup(ranked[0][0], candidates)
        return Lookup(None, candidates)


def _vocabulary(table: dict[str, tuple[str, ...]], **options: float) -> Vocabulary:
    aliases = {key(value): value for value in table}
    for value, names in table.items():
        aliases.update({key(name): value for name in names})
    return Vocabulary(aliases, **options)


def _links() -> set[str]:
    """Zone names that are only links to another zone ("Asia/Istanbul"), from tzdata.zi."""
    for folder in (Path(sys.prefix), *map(Path, TZPATH)):
        found = [*folder.glob("lib/python3*/site-packages/tzdata/zoneinfo/tzdata.zi"),
                 folder / "tzdata.zi"]
        for path in found:
            if path.is_file():
                lines = path.read_text(encoding="utf-8").splitlines()
                return {line.split()[2] for line in lines if line.startswith("L ")}
    return set()


@cache
def zones() -> Vocabulary:
    """IANA zones by name, by their city ("brussels", "new york") and by host city."""
    names = sorted(available_timezones() - {"localtime", "posixrules", "Factory"})
    links = _links()
    aliases: dict[str, str] = {}
    # A city in two names ("Istanbul") means the zone rather than the link, else the shorter.
    for name in sorted(names, key=lambda n: (n not in links, -len(n), n)):
        if name.split("/", 1)[0] in CITY_AREAS:
            aliases[key(name.rsplit("/", 1)[-1])] = name
    aliases.update({key(n): n for n in names if not n.startswith("Etc/")})
    aliases.update({key(city): name for city, name in HOST_CITIES.items()})
    return Vocabulary(aliases, certain=88, near=75)


@cache
def _zone_names() -> dict[str, str]:
    """Lower-case zone name -> zone name ("etc/gmt+5" and "etc/gmt-5" stay apart)."""
    return {name.lower(): name for name in available_timezones()}


def zone(text: str) -> Lookup:
    text = text.strip()
    exact = _zone_names().get(text.lower().replace(" ", "_"))
    if exact is not None and exact not in ("localtime", "posixrules", "Factory"):
        return Lookup(exact, (exact,))
    found = zones().lookup(text)
    if found.value is None and "/" in text:  # "Europe/Geneva": the city part decides
        by_city = zones().lookup(text.rsplit("/", 1)[-1])
        return by_city if by_city.value is not None else found
    return found


def city(zone_name: str) -> str:
    """A zone's city for a button: "America/New_York" -> "New York"; Europe/Zurich: "Geneva"."""
    return SHOWN_AS.get(zone_name) or zone_name.rsplit("/", 1)[-1].replace("_", " ")


@cache
def languages() -> Vocabulary:
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)
    return _vocabulary(LANGUAGE_NAMES)


def language(text: str) -> Lookup:
    return languages().lookup(text)


@cache
def regions() -> Vocabulary:
    return _vocabulary({str(r): names for r, names in REGION_ALIASES.items()})


def region(text: str) -> Lookup:
    return regions().lookup(text)
