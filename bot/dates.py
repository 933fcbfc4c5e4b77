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
from babel.dates import format_date, format_datetime

CACHED = 4096


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
    pattern = "EEE d MMM y, HH:mm" if with_date else "HH:mm"
    return format_datetime(at, pattern, tzinfo=ZoneInfo(zone), locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def short_day(value: date, language: str = "en") -> str:
    """'9 Jul 2007'."""
    return format_date(value, "d MMM y", locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def long_moment(at: datetime, zone: str, language: str = "en") -> str:
    """'Monday, 9 July 2007, 09:00' in `zone`."""
    return format_datetime(at, "EEEE, d MMMM y, HH:mm", tzinfo=ZoneInfo(zone),
                           locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def long_day(value: date, language: str = "en") -> str:
    """'Friday, 6 July 2007'."""
    return format_date(value, "EEEE, d MMMM y", locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def long_moment_both(at: datetime, reader_zone: str, meeting_zone: str,
                     language: str = "en") -> str:
    """The time in the reader's zone, and in the meeting's when that differs."""
    mine = f"{long_moment(at, reader_zone, language)} ({reader_zone})"
    if reader_zone == meeting_zone:
        return mine
    return f"{mine}; {long_moment(at, meeting_zone, language)} local time ({meeting_zone})"


@lru_cache(maxsize=CACHED)
def full_day(value: date, language: str = "en") -> str:
    """'15 June 2007'."""
    return format_date(value, "d MMMM y", locale=locale_for(language))


@lru_cache(maxsize=CACHED)
def was_due(due: date, today: date, language: str = "en") -> str:
    """'was due on Friday 29 June (3 days ago)'; the year is written when it is not this year.

    `today` is the reader's own date; each wording is one whole string, for translation."""
    pattern = "EEEE d MMMM" if due.year == today.year else "EEEE d MMMM y"
    on = format_date(due, pattern, locale=locale_for(language))
    days = (today - due).days
    if days == 1:
        return f"was due on {on} (1 day ago)"
    if days > 1:
        return f"was due on {on} ({days} days ago)"
    return f"is due on {on}"
