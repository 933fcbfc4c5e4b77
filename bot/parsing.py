"""Checking what users typed. Each check raises `BadInput` with one sentence saying what is wrong;
the command's guard adds the right form and an example."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.lists import format_list

from bot import names
from bot.addresses import EmailNotValidError, check_address
from bot.dates import locale_for
from bot.i18n import N_, _, current
from storage.models import Audience, TroikaRole
from storage.people import LANGUAGES
from storage.text import bad_characters, fold

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,11}$")
SHOWN = 40  # characters of a bad value quoted back to the user


class BadInput(ValueError):
    """What the user typed cannot be used; the message is one sentence for them, already in
    the reader's language (the guard sets it before any check runs)."""


# What the callers' `what` names, so `_(what)` finds a translation ("The title is missing.").
FIELD_NAMES = (N_("title"), N_("location"), N_("agenda"), N_("name"), N_("note"),
               N_("focal name"), N_("meeting"), N_("action item"), N_("count"),
               N_("audience"), N_("troika seat"))


def quote(value: str) -> str:
    """A user value shortened for quoting in a reply (the caller escapes it); characters that
    would reorder or break the reply are dropped."""
    value = " ".join("".join(ch for ch in value if not bad_characters(ch)).split())
    return value if len(value) <= SHOWN else value[: SHOWN - 1] + "…"


def code(value: str) -> str:
    if not CODE.match(value):
        raise BadInput(_("“{value}” is not a member code such as BE or IOM.",
                         value=quote(value)))
    return value.upper()


def member(value: str) -> str:
    """A member as typed: its code or its name, written loosely (resolved by the operation)."""
    value = " ".join(value.split())
    if not value:
        raise BadInput(_("Tell me which member: its code (BE) or its name (Belgium)."))
    if len(value) > 100 or bad_characters(value):
        raise BadInput(_("“{value}” cannot be the name or code of a member.",
                         value=quote(value)))
    return value


def number(value: str, what: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise BadInput(_("“{value}” is not a valid {what} number.", value=quote(value),
                         what=_(what)))
    return int(value)


def telegram_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= len(value) <= 15 or not int(value):
        raise BadInput(_("“{value}” is not a numeric Telegram user id.", value=quote(value)))
    return int(value)


def text(value: str, what: str, *, limit: int, pipes: bool = False) -> str:
    """Free text (a name, a title): present, one line, no control characters, not too long."""
    value = " ".join(value.split())
    if not value:
        raise BadInput(_("The {what} is missing.", what=_(what)))
    if len(value) > limit:
        raise BadInput(_("The {what} is too long ({length} characters; at most {limit}).",
                         what=_(what), length=len(value), limit=limit))
    if bad_characters(value):
        raise BadInput(_("The {what} contains invisible or control characters; type it again "
                         "without them.", what=_(what)))
    if not pipes and "|" in value:
        raise BadInput(_("The {what} may not contain “|”.", what=_(what)))
    if not any(ch.isalpha() for ch in value):
        raise BadInput(_("The {what} must contain letters.", what=_(what)))
    return value


def email(value: str) -> str:
    try:
        return check_address(value).lower()
    except EmailNotValidError:
        raise BadInput(_("“{value}” is not an email address.", value=quote(value))) from None


def zone(value: str) -> str:
    """An IANA zone, its city ("brussels", "new york") or a Forum host city ("Geneva")."""
    found = names.zone(value)
    if found.value is not None:
        return found.value
    if found.candidates:
        raise BadInput(_("“{value}” is not a time zone; did you mean {candidates}?",
                         value=quote(value), candidates=either(found.candidates)))
    raise BadInput(_("“{value}” is not a time zone; use an IANA name such as Europe/Brussels "
                     "or a city such as Geneva.", value=quote(value)))


def either(values: tuple[str, ...], most: int = 4) -> str:
    """ "A", "A or B", "A, B or C" (in the reader's language: "A, B ou C", "A, B o C")"""
    values = tuple(values[:most])
    if current() == "en" or len(values) == 1:  # the house style: no comma before "or"
        return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
    return format_list(list(values), style="or", locale=locale_for(current()))


def language(value: str) -> str:
    """A language code from "fr", "French", "Français" or "francais"."""
    found = names.language(value)
    if found.value is None:
        raise BadInput(_("“{value}” is not a language I can use; choose {choices}.",
                         value=quote(value), choices=either(tuple(LANGUAGES.values()))))
    return found.value


DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MINUTE = "%Y-%m-%d %H:%M"  # a moment quoted back as it is written


def day(value: str) -> date:
    """A date written YYYY-MM-DD; a date the calendar does not have is named as such."""
    found = DAY.match(value)
    if found is None:
        raise BadInput(_("“{value}” is not a date written YYYY-MM-DD.", value=quote(value)))
    year, month, day_ = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        raise BadInput(_("“{value}” is not a date: there is no month {month}.",
                         value=quote(value), month=month))
    if not 1 <= day_ <= 31:
        raise BadInput(_("“{value}” is not a date: no month has a day {day}.",
                         value=quote(value), day=day_))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(_("The year must be between {first} and {last}.", first=FIRST_YEAR,
                         last=LAST_YEAR))
    try:
        return date(year, month, day_)
    except ValueError:
        month_name = locale_for(current()).months["format"]["wide"][month]
        raise BadInput(_("{day} {month} {year} does not exist.", day=day_, month=month_name,
                         year=year)) from None


def clock_time(value: str) -> time:
    """A time of day written HH:MM (24 hours)."""
    found = TIME.match(value)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise BadInput(_("“{value}” is not a time written HH:MM, e.g. 09:30.",
                         value=quote(value)))
    return time(int(found[1]), int(found[2]))


def moment(value: str) -> tuple[date, time]:
    """`YYYY-MM-DD HH:MM` as written, before any time zone is known."""
    parts = value.split()
    if len(parts) != 2 or not DAY.match(parts[0]) or not TIME.match(parts[1]):
        raise BadInput(_("“{value}” is not a date and time written YYYY-MM-DD HH:MM.",
                         value=quote(value)))
    return day(parts[0]), clock_time(parts[1])


def in_zone(on: date, at: time, zone_name: str) -> datetime:
    """A wall-clock time in a zone, as an aware datetime; refuses times a DST change skips."""
    naive = datetime.combine(on, at)
    tz = ZoneInfo(zone_name)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise BadInput(_("{moment} does not exist in {zone} (clock change).",
                         moment=naive.strftime(MINUTE), zone=zone_name))
    return aware


def local_time(day_text: str, time_text: str, zone_name: str) -> datetime:
    """`YYYY-MM-DD` and `HH:MM` in a zone, as an aware datetime."""
    return in_zone(day(day_text), clock_time(time_text), zone_name)


@dataclass(frozen=True)
class WrittenSpan:
    """A start with an optional end, as written before the time zone: `2007-07-09 09:00`,
    `... - 18:00` (the same day) or `... - 2007-07-11 18:00`; `rest` is what follows."""

    start_day: date
    start: time
    end_day: date | None
    end: time | None
    rest: str


SPAN_DASH = re.compile(r"(\d:\d\d)\s*[-–—]\s*")
MAX_LENGTH = timedelta(days=14)


def span(value: str) -> WrittenSpan:
    """`YYYY-MM-DD HH:MM [- [YYYY-MM-DD] HH:MM] rest...` (the rest is not checked here)."""
    words = SPAN_DASH.sub(r"\1 - ", value, count=1).split()
    if len(words) < 2:
        raise BadInput(_("Start with the date and the time, written YYYY-MM-DD HH:MM."))
    start_day, start = day(words[0]), clock_time(words[1])
    end_day = end = None
    rest = words[2:]
    if rest and rest[0] == "-":
        if len(rest) >= 3 and DAY.match(rest[1]):
            end_day, rest = day(rest[1]), rest[2:]
        elif len(rest) < 2:
            raise BadInput(_("After “-” write the end: HH:MM, or YYYY-MM-DD HH:MM."))
        else:
            rest = rest[1:]
        end, rest = clock_time(rest[0]), rest[1:]
    return WrittenSpan(start_day, start, end_day, end, " ".join(rest))


def end_of(start: datetime, end_day: date | None, end: time | None,
           zone_name: str) -> datetime | None:
    """The end of a meeting in its zone (the start's day when no date is given): after the
    start, and not more than two weeks later. None when no end was written."""
    if end is None:
        return None
    ends_at = in_zone(end_day or start.date(), end, zone_name)
    # compared in UTC: within one zone Python compares wall clocks, ignoring DST
    length = ends_at.astimezone(UTC) - start.astimezone(UTC)
    if length <= timedelta(0):
        raise BadInput(_("The end ({end}) must be after the start ({start}).",
                         end=ends_at.strftime(MINUTE), start=start.strftime(MINUTE)))
    if length > MAX_LENGTH:
        raise BadInput(_("A meeting lasts at most {days} days; check the end date.",
                         days=MAX_LENGTH.days))
    return ends_at


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    folded = fold(value)
    if folded not in allowed:
        raise BadInput(_("“{value}” is not a valid {what}; choose {choices}.",
                         value=quote(value), what=_(what), choices=", ".join(allowed)))
    return folded


def audience(value: str) -> str:
    return choice(value, tuple(a.value for a in Audience), N_("audience"))


def troika_role(value: str) -> str:
    return choice(value, tuple(t.value for t in TroikaRole), N_("troika seat"))


# Folded region names and aliases -> the region (plain questions look for them in a sentence).
REGION_NAMES: dict[str, str] = names.regions().aliases


def region(value: str) -> str:
    found = names.region(value)
    if found.value is None:
        if found.candidates:
            raise BadInput(_(
                "“{value}” is not a UN regional group; choose African, Asia-Pacific, Eastern "
                "European, Latin American and Caribbean, or WEOG. Did you mean {candidates}?",
                value=quote(value), candidates=either(found.candidates)))
        raise BadInput(_(
            "“{value}” is not a UN regional group; choose African, Asia-Pacific, Eastern "
            "European, Latin American and Caribbean, or WEOG.", value=quote(value)))
    return found.value


def fields(value: str, count: int) -> list[str]:
    """Split `a | b | c` into exactly `count` fields."""
    parts = [part.strip() for part in value.split("|")]
    if len(parts) != count:
        raise BadInput(_("I need {count} fields separated by “|” and found {found}.",
                         count=count, found=len(parts)))
    return parts
