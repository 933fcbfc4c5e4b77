"""Dates and times as people read them: in their zone and their language's conventions.

One module for chat replies (short forms: "Mon 9 Jul 2007, 09:00") and mail (long forms:
"Monday, 9 July 2007, 09:00"). Babel treats naive datetimes as UTC; ours are always aware.

Every function here is pure, so each is cached: a list of 10,000 action items has a few hundred
distinct due dates, and parsing a Babel locale or formatting a date costs far more than a lookup.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_timezone_location

from bot.i18n import _, n_, using

CACHED = 4096

# Each language's own order (CLDR's, without the US month-first English): "Monday, 9 July
# 2007", "lundi 9 juillet 2007", "lunes, 9 de julio de 2007".
PATTERNS = {
    "en": {"short_moment": "EEE d MMM y, HH:mm", "short_day": "d MMM y",
           "long_day": "EEEE, d MMMM y", "full_day": "d MMMM y", "weekday_day": "EEEE d MMMM",
           "weekday_day_year": "EEEE d MMMM y"},
    "fr": {"short_moment": "EEE d MMM y, HH:mm", "short_day": "d MMM y",
           "long_day": "EEEE d MMMM y", "full_day": "d MMMM y", "weekday_day": "EEEE d MMMM",
           "weekday_day_year": "EEEE d MMMM y"},
    "es": {"short_moment": "EEE, d MMM y, HH:mm", "short_day": "d MMM y",
           "long_day": "EEEE, d 'de' MMMM 'de' y", "full_day": "d 'de' MMMM 'de' y",
           "weekday_day": "EEEE d 'de' MMMM", "weekday_day_year": "EEEE d 'de' MMMM 'de' y"},
}


def pattern(kind: str, language: str) -> str:
    base = (language or "en").replace("_", "-").split("-", 1)[0].lower()
    return PATTERNS.get(base, PATTERNS["en"])[kind]


@lru_cache(maxsize=64)
def locale_for(language: str) -> Locale:
    """The Babel locale of a language code ("fr", "es-MX"); English when unknown."""
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


@lru_cache(maxsize=CACHED)
def short_moment(at: datetime, zone: str, language: str = "en", *,
                 with_date: bool = True) -> str:
    """'Mon 9 Jul 2007, 09:00' (or '09:00') in `zone`."""
    form = pattern("short_moment", language) if with_date else "HH:mm"
    return format_datetime(at, form, tzinfo=ZoneInfo(zone), locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def short_day(value: date, language: str = "en") -> str:
    """'9 Jul 2007'."""
    return format_date(value, pattern("short_day", language), locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def long_moment(at: datetime, zone: str, language: str = "en") -> str:
    """'Monday, 9 July 2007, 09:00' in `zone`."""
    return format_datetime(at, pattern("long_day", language) + ", HH:mm",
                           tzinfo=ZoneInfo(zone), locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def long_day(value: date, language: str = "en") -> str:
    """'Friday, 6 July 2007'."""
    return format_date(value, pattern("long_day", language), locale=locale_for(language))


@lru_cache(maxsize=256)
def zone_name(zone: str, language: str = "en") -> str:
    """The zone's city in the reader's language ('Bruselas' for Europe/Brussels in Spanish);
    the zone's own name when it names no city (UTC)."""
    if "/" not in zone:
        return zone
    try:
        return get_timezone_location(zone, locale=locale_for(language), return_city=True) or zone
    except (LookupError, ValueError):
        return zone


@lru_cache(maxsize=CACHED)
def long_moment_both(at: datetime, reader_zone: str, meeting_zone: str,
                     language: str = "en") -> str:
    """The time in the reader's zone, and in the meeting's when that differs, each zone named
    in the reader's language."""
    with using(language):
        mine = _("{moment} ({place} time)", moment=long_moment(at, reader_zone, language),
                 place=zone_name(reader_zone, language))
        if reader_zone == meeting_zone:
            return mine
        return _("{mine}; {moment} local time in {place}", mine=mine,
                 moment=long_moment(at, meeting_zone, language),
                 place=zone_name(meeting_zone, language))


@lru_cache(maxsize=CACHED)
def full_day(value: date, language: str = "en") -> str:
    """'15 June 2007'."""
    return format_date(value, pattern("full_day", language), locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def was_due(due: date, today: date, language: str = "en") -> str:
    """'was due on Friday 29 June (3 days ago)'; the year is written when it is not this year.

    `today` is the reader's own date; each wording is one whole string, for translation."""
    form = pattern("weekday_day" if due.year == today.year else "weekday_day_year", language)
    on = format_date(due, form, locale=locale_for(language))
    days = (today - due).days
    with using(language):
        if days >= 1:
            return n_("was due on {on} ({count} day ago)", "was due on {on} ({count} days ago)",
                      days, on=on)
        return _("is due on {on}", on=on)
