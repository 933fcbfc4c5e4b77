"""Signed tokens for links (calendar feeds now; RSVP and unsubscribe links later).

A token is `itsdangerous`'s URL-safe signature over a small JSON value, with one salt per
purpose, so a token made for one purpose never passes as another. Tokens are secrets: never log
them. The value carries a generation where a link must be renewable: raising the generation in
the database makes every older token fail.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

FEED_SALT = "fof.calendar-feed"


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
