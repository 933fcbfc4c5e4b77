"""The links a message carries: answers in one click, unsubscribing, deep links into the bot.

Every builder asks here, so the real message and its preview carry the same links. Links to
the HTTP front need `FOF_PUBLIC_URL` (and `FOF_SECRET_KEY`, which the configuration requires
with it); without them a message simply has no such links.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.config import Settings
from bot.http import tokens

ANSWERS = ("yes", "no", "maybe")
KINDS = ("digest", "reminders")  # what an unsubscribe link turns off


def _front(settings: Settings) -> tuple[str, str] | None:
    if not settings.public_url or settings.secret_key is None:
        return None
    return settings.public_url.rstrip("/"), settings.secret_key.get_secret_value()


def rsvp_urls(settings: Settings, person_id: int, meeting_id: int) -> dict[str, str]:
    """{"yes": url, "no": url, "maybe": url}, or {} without an HTTP front."""
    front = _front(settings)
    if front is None:
        return {}
    base, secret = front
    token = tokens.rsvp_token(secret, person_id, meeting_id)
    return {answer: f"{base}/rsvp/{token}?answer={answer}" for answer in ANSWERS}


def unsubscribe_url(settings: Settings, person_id: int, kind: str) -> str | None:
    """The one-click unsubscribe link for one kind of mail, or None without an HTTP front."""
    assert kind in KINDS, kind
    front = _front(settings)
    if front is None:
        return None
    base, secret = front
    return f"{base}/unsubscribe/{tokens.unsubscribe_token(secret, person_id, kind)}"


def bot_link(bot_username: str | None, payload: str) -> str | None:
    """https://t.me/<bot>?start=<payload> (payload like "action_4"), or None without a name."""
    if not bot_username:
        return None
    return f"https://t.me/{quote(bot_username)}?start={quote(payload)}"
