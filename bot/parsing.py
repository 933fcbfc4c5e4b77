"""Checking what users typed. Each check raises `BadInput` with one sentence saying what is wrong;
the command's guard adds the right form and an example."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from storage.models import Audience, Region, TroikaRole
from storage.text import bad_characters, fold

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,11}$")
SHOWN = 40  # characters of a bad value quoted back to the user


class BadInput(ValueError):
    """What the user typed cannot be used; the message is one sentence for them."""


def quote(value: str) -> str:
    """A user value shortened for quoting in a reply (the caller escapes it); characters that
    would reorder or break the reply are dropped."""
    value = " ".join("".join(ch for ch in value if not bad_characters(ch)).split())
    return value if len(value) <= SHOWN else value[: SHOWN - 1] + "…"


def code(value: str) -> str:
    if not CODE.match(value):
        raise BadInput(f"“{quote(value)}” is not a member code such as BE or IOM.")
    return value.upper()


def number(value: str, what: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise BadInput(f"“{quote(value)}” is not a valid {what} number.")
    return int(value)


def telegram_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= len(value) <= 15 or not int(value):
        raise BadInput(f"“{quote(value)}” is not a numeric Telegram user id.")
    return int(value)


def text(value: str, what: str, *, limit: int, pipes: bool = False) -> str:
    """Free text (a name, a title): present, one line, no control characters, not too long."""
    value = " ".join(value.split())
    if not value:
        raise BadInput(f"The {what} is missing.")
    if len(value) > limit:
        raise BadInput(f"The {what} is too long ({len(value)} characters; at most {limit}).")
    if bad_characters(value):
        raise BadInput(f"The {what} contains invisible or control characters; type it again "
                       "without them.")
    if not pipes and "|" in value:
        raise BadInput(f"The {what} may not contain “|”.")
    if not any(ch.isalpha() for ch in value):
        raise BadInput(f"The {what} must contain letters.")
    return value


def email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise BadInput(f"“{quote(value)}” is not an email address.") from None


def zone(value: str) -> str:
    try:
        if not value or len(value) > 64 or value.startswith("/") or ".." in value:
            raise ValueError
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"“{quote(value)}” is not a time zone; use an IANA name such as Europe/Brussels."
        ) from None
    return value


def day(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise BadInput(f"“{quote(value)}” is not a date written YYYY-MM-DD.") from None


def local_time(day_text: str, time_text: str, zone_name: str) -> datetime:
    """A wall-clock time in a zone, as an aware datetime; refuses times a DST change skips."""
    try:
        naive = datetime.strptime(f"{day_text} {time_text}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise BadInput(
            f"“{quote(day_text + ' ' + time_text)}” is not a time written YYYY-MM-DD HH:MM."
        ) from None
    if not 2000 <= naive.year <= 2100:
        raise BadInput("The year must be between 2000 and 2100.")
    tz = ZoneInfo(zone_name)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != naive:
        raise BadInput(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_name} (clock change).")
    return aware


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    folded = fold(value)
    if folded not in allowed:
        raise BadInput(f"“{quote(value)}” is not a valid {what}; choose {', '.join(allowed)}.")
    return folded


def audience(value: str) -> str:
    return choice(value, tuple(a.value for a in Audience), "audience")


def troika_role(value: str) -> str:
    return choice(value, tuple(t.value for t in TroikaRole), "troika seat")


REGION_NAMES: dict[str, str] = {
    **{fold(r.value): r.value for r in Region},
    "africa": Region.AFRICAN, "african group": Region.AFRICAN,
    "asia": Region.ASIA_PACIFIC, "asia pacific": Region.ASIA_PACIFIC,
    "apg": Region.ASIA_PACIFIC, "pacific": Region.ASIA_PACIFIC,
    "eastern europe": Region.EASTERN_EUROPEAN, "eeg": Region.EASTERN_EUROPEAN,
    "eastern": Region.EASTERN_EUROPEAN,
    "latin america": Region.LATIN_AMERICAN_CARIBBEAN, "latin": Region.LATIN_AMERICAN_CARIBBEAN,
    "grulac": Region.LATIN_AMERICAN_CARIBBEAN, "caribbean": Region.LATIN_AMERICAN_CARIBBEAN,
    "latin america and caribbean": Region.LATIN_AMERICAN_CARIBBEAN,
    "weog": Region.WEOG, "western": Region.WEOG, "western europe": Region.WEOG,
    "western european": Region.WEOG, "europe": Region.WEOG,
}


def region(value: str) -> str:
    found = REGION_NAMES.get(fold(value))
    if found is None:
        raise BadInput(
            f"“{quote(value)}” is not a UN regional group; choose African, Asia-Pacific, "
            "Eastern European, Latin American and Caribbean, or WEOG."
        )
    return str(found)


def fields(value: str, count: int) -> list[str]:
    """Split `a | b | c` into exactly `count` fields."""
    parts = [part.strip() for part in value.split("|")]
    if len(parts) != count:
        raise BadInput(f"I need {count} fields separated by “|” and found {len(parts)}.")
    return parts
