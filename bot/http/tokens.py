"""Signed tokens for links: calendar feeds, RSVP answers, unsubscribing.

A token is `itsdangerous`'s URL-safe signature over a small JSON value, with one salt per
purpose, so a token made for one purpose never passes as another. Tokens are secrets: never log
them. The value carries a generation where a link must be renewable: raising the generation in
the database makes every older token fail.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

FEED_SALT = "fof.calendar-feed"
RSVP_SALT = "fof.rsvp"
UNSUBSCRIBE_SALT = "fof.unsubscribe"


def _serializer(secret_key: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=salt)


def feed_token(secret_key: str, person_id: int, generation: int) -> str:
    """The secret part of a person's calendar feed URL."""
    return _serializer(secret_key, FEED_SALT).dumps([person_id, generation])


def read_feed_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(person id, generation) from a genuine feed token; None for anything forged or garbled."""
    try:
        value = _serializer(secret_key, FEED_SALT).loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None
    return value[0], value[1]


def _ints(value: object, count: int) -> bool:
    return (isinstance(value, list) and len(value) == count
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


def rsvp_token(secret_key: str, person_id: int, meeting_id: int) -> str:
    """Names one person and one meeting; it stops working when the meeting starts (the
    operation reads the meeting's start, so a moved meeting moves the end too)."""
    return _serializer(secret_key, RSVP_SALT).dumps([person_id, meeting_id])


def read_rsvp_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(person id, meeting id) from a genuine RSVP token; None for anything else."""
    try:
        value = _serializer(secret_key, RSVP_SALT).loads(token)
    except BadSignature:
        return None
    return (value[0], value[1]) if _ints(value, 2) else None


def unsubscribe_token(secret_key: str, person_id: int, kind: str) -> str:
    """Names one person and one kind of mail ("digest" or "reminders")."""
    return _serializer(secret_key, UNSUBSCRIBE_SALT).dumps([person_id, kind])


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(person id, kind) from a genuine unsubscribe token; None for anything else."""
    try:
        value = _serializer(secret_key, UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not _ints(value[:1], 1)
            or not isinstance(value[1], str)):
        return None
    return value[0], value[1]
