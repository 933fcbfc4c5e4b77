"""Calendar feeds: the public feed, each person's own feed behind a signed link, and the links
that /settings shows and renews."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.http.tokens import feed_token, read_feed_token
from bot.i18n import _
from bot.services import Services
from storage import feeds
from storage.errors import Rejected
from storage.models import Meeting
from storage.people import Viewer

PUBLIC_PATH = "/calendar.ics"


class FeedDenied(Exception):
    """An old, forged or unknown feed link (the HTTP front answers 403)."""


@dataclass(frozen=True)
class CalendarLinks:
    public: str  # the meetings for everyone
    personal: str  # the viewer's own meetings; a secret


@dataclass(frozen=True)
class PersonalFeed:
    name: str
    email: str
    meetings: list[Meeting]
    answers: dict[int, str] = field(default_factory=dict)  # meeting id -> yes / no / maybe


def personal_path(token: str) -> str:
    return f"/calendar/{token}.ics"


async def public_feed(services: Services) -> list[Meeting]:
    """The meetings whose audience is everyone, scheduled or moved."""
    async with services.sessions() as session:
        return await feeds.public_meetings(session)


async def personal_feed(services: Services, token: str) -> PersonalFeed:
    """The meetings the token's person is invited to, with their answers; FeedDenied for an
    old (renewed), forged or garbled token, or a person no longer active."""
    secret = services.settings.secret_key
    found = read_feed_token(secret.get_secret_value(), token) if secret is not None else None
    if found is None:
        raise FeedDenied("not a feed link")
    person_id, generation = found
    async with services.sessions() as session:
        person = await feeds.active_person(session, person_id)
        if person is None or await feeds.generation(session, person_id) != generation:
            raise FeedDenied("an old feed link")
        meetings = await feeds.meetings_for(session, person_id)
        answers = await feeds.answers_of(session, person_id)
    return PersonalFeed(person.name, person.email, meetings, answers)


def _links(services: Services, person_id: int, generation: int) -> CalendarLinks | None:
    settings = services.settings
    if settings.public_url is None or settings.secret_key is None:
        return None
    token = feed_token(settings.secret_key.get_secret_value(), person_id, generation)
    return CalendarLinks(settings.public_url + PUBLIC_PATH,
                         settings.public_url + personal_path(token))


async def calendar_links(services: Services, viewer: Viewer) -> CalendarLinks | None:
    """The viewer's feed links; None when FOF_PUBLIC_URL is not set or they are not linked."""
    if viewer.person_id is None or services.settings.public_url is None:
        return None
    async with services.sessions() as session:
        generation = await feeds.generation(session, viewer.person_id)
    return _links(services, viewer.person_id, generation)


async def renew_link(services: Services, viewer: Viewer) -> CalendarLinks:
    """A new personal feed link; the old one stops working at once (audited)."""
    if viewer.person_id is None:
        raise Rejected(_("Calendar links belong to a contact record; link one with /link."))
    if services.settings.public_url is None:
        raise Rejected(_("Calendar links are off: the operator has not set FOF_PUBLIC_URL."))
    async with services.sessions.begin() as session:
        generation = await feeds.renew(session, viewer.person_id, actor=viewer.actor,
                                       now=services.now())
    links = _links(services, viewer.person_id, generation)
    assert links is not None  # public_url set implies secret_key (checked in bot.config)
    return links
