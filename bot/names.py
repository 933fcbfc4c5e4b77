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

# The UN regional groups' official names in the Forum's three languages.
REGION_OFFICIAL: dict[str, dict[str, str]] = {
    Region.AFRICAN: {
        "en": "African States",
        "fr": "Groupe des États d'Afrique",
        "es": "Grupo de los Estados de África",
    },
    Region.ASIA_PACIFIC: {
        "en": "Asia-Pacific States",
        "fr": "Groupe des États d'Asie et du Pacifique",
        "es": "Grupo de los Estados de Asia y el Pacífico",
    },
    Region.EASTERN_EUROPEAN: {
        "en": "Eastern European States",
        "fr": "Groupe des États d'Europe orientale",
        "es": "Grupo de los Estados de Europa Oriental",
    },
    Region.LATIN_AMERICAN_CARIBBEAN: {
        "en": "Latin American and Caribbean States",
        "fr": "Groupe des États d'Amérique latine et des Caraïbes",
        "es": "Grupo de los Estados de América Latina y el Caribe",
    },
    Region.WEOG: {
        "en": "Western European and other States",
        "fr": "Groupe des États d'Europe occidentale et autres États",
        "es": "Grupo de los Estados de Europa Occidental y otros Estados",
    },
}

REGION_ALIASES: dict[str, tuple[str, ...]] = {
    Region.AFRICAN: ("Africa", "African group", "African states", "Afrique", "África",
                     "Group of African States", "États d'Afrique", "Estados de África",
                     "Groupe africain", "Grupo africano", "Grupo de África", "africain",
                     "africano"),
    Region.ASIA_PACIFIC: ("Asia", "Asia Pacific", "Asia-Pacific group", "APG", "Pacific",
                          "Asia and the Pacific", "Group of Asia-Pacific States", "Asie",
                          "Asie-Pacifique", "Asie et Pacifique", "Asie et du Pacifique",
                          "Pacifique", "Asia y el Pacífico", "Asia-Pacífico", "Pacífico",
                          "États d'Asie et du Pacifique", "Estados de Asia y el Pacífico",
                          "Groupe Asie-Pacifique", "Grupo de Asia y el Pacífico"),
    Region.EASTERN_EUROPEAN: ("Eastern Europe", "Eastern European group", "EEG", "Eastern",
                              "Group of Eastern European States", "Europe orientale",
                              "Europe de l'Est", "Europa Oriental", "Europa del Este",
                              "États d'Europe orientale", "Estados de Europa Oriental",
                              "Groupe de l'Europe orientale", "Grupo de Europa Oriental"),
    Region.LATIN_AMERICAN_CARIBBEAN: (
        "Latin America", "Latin", "GRULAC", "Caribbean", "Latin America and Caribbean",
        "Latin America and the Caribbean", "Latin American and Caribbean group",
        "Group of Latin American and Caribbean States", "Amérique latine",
        "Amérique latine et Caraïbes", "Amérique latine et les Caraïbes",
        "Amérique latine et des Caraïbes", "Caraïbes", "América Latina", "Latinoamérica",
        "América Latina y el Caribe", "Caribe",
        "États d'Amérique latine et des Caraïbes", "Estados de América Latina y el Caribe"),
    Region.WEOG: ("WEOG", "Western", "Western Europe", "Western European",
                  "Western European and others group", "Europe",
                  "Western European and Other States",
                  "Group of Western European and other States",
                  "Europe occidentale", "Europe de l'Ouest", "Europe occidentale et autres",
                  "Europe occidentale et autres États", "Europa", "Europa Occidental",
                  "Europa Occidental y otros", "Europa Occidental y otros Estados",
                  "États d'Europe occidentale et autres États",
                  "Estados de Europa Occidental y otros Estados"),
}


def _official_aliases() -> None:
    """The official names are accepted as input too, in any of the three languages."""
    for region, by_language in REGION_OFFICIAL.items():
        REGION_ALIASES[region] = (*REGION_ALIASES[region], *by_language.values())


_official_aliases()


def region_name(region: str | None, language: str) -> str:
    """A UN regional group's official name in `language` (en, fr, es); a value we do not know
    is shown as it is."""
    if region is None:
        return ""
    names = REGION_OFFICIAL.get(str(region))
    if names is None:
        return str(region)
    return names.get(language) or names["en"]


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
