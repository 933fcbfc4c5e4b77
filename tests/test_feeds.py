"""Calendar feeds: the public feed, each person's own feed behind a signed link that /settings
shows and renews, and 403 for an old or forged link."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from itsdangerous import URLSafeSerializer
from sqlmodel import select

from bot.config import ConfigError, load_settings
from bot.http.tokens import FEED_SALT, feed_token
from bot.offline import user
from bot.ops import calendar as calendar_ops
from storage.models import CalendarFeed, Meeting, Person
from storage.people import Viewer
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    JAN,
    LIISA,
    ask,
    audits,
    data_fixture,  # noqa: F401
)
from tests.http_fixtures import (
    PUBLIC_URL,
    SECRET_KEY,
    client_fixture,  # noqa: F401
    feed_paths,
    linked_settings_fixture,  # noqa: F401
)

RAHIM = user(5004, "Rahim")  # Bangladesh's focal point: not in the steering group


@pytest.fixture
def settings(linked_settings):
    return linked_settings


def uids(body: bytes) -> set[str]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def partstats(body: bytes) -> dict[str, str]:
    calendar = Calendar.from_ical(body)
    return {str(event["SUMMARY"]): event["ATTENDEE"].params["PARTSTAT"]
            for event in calendar.walk("VEVENT")}


async def feed_of(bot, client, who) -> tuple[str, str]:
    """(public path, personal path) from the viewer's /settings."""
    public, personal = feed_paths(await ask(bot, who, "/settings"))
    return public, personal


async def link_rahim(services) -> None:
    async with services.sessions.begin() as session:
        person = (await session.exec(select(Person).where(Person.name == "Rahim Chowdhury"))
                  ).one()
        person.telegram_id = RAHIM["id"]
        session.add(person)


async def test_the_public_feed_holds_the_meetings_for_everyone(client, data, services):
    await calendar_ops.cancel_meeting(services, Viewer.operator(), data.summit)
    answer = await client.get("/calendar.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    # The June meeting is for everyone; the summit is cancelled; steering and troika are not
    # for everyone.
    assert uids(answer.content) == {"Friends of the Forum, June@test"}
    assert Calendar.from_ical(answer.content)["METHOD"] == "PUBLISH"


async def test_each_person_sees_exactly_the_meetings_they_are_invited_to(bot, client, data,
                                                                        services):
    await link_rahim(services)
    everyone = {"Global Forum on Migration and Development@test",
                "Friends of the Forum, June@test"}
    expected = {  # Bangladesh: no seat; Finland: steering; Belgium: steering and troika
        RAHIM["id"]: everyone,
        LIISA["id"]: everyone | {"Steering group@test"},
        JAN["id"]: everyone | {"Steering group@test", "Troika call@test"},
    }
    for who in (RAHIM, LIISA, JAN):
        public, personal = await feed_of(bot, client, who)
        assert public == "/calendar.ics"
        answer = await client.get(personal)
        assert answer.status_code == 200, answer.text
        assert uids(answer.content) == expected[who["id"]]


async def test_the_personal_feed_carries_the_answers(bot, client, data):
    await bot.click(JAN, f"att:{data.summit}:yes")
    await bot.click(JAN, f"att:{data.troika}:maybe")
    _, personal = await feed_of(bot, client, JAN)
    answer = await client.get(personal)
    stats = partstats(answer.content)
    assert stats["Global Forum on Migration and Development"] == "ACCEPTED"
    assert stats["Troika call"] == "TENTATIVE"
    assert stats["Steering group"] == "NEEDS-ACTION"
    attendee = Calendar.from_ical(answer.content).walk("VEVENT")[0]["ATTENDEE"]
    assert str(attendee) == "mailto:jan.peeters@diplobel.example"


async def test_renewing_stops_the_old_link(bot, client, data, services):
    _, old = await feed_of(bot, client, ANA)
    assert (await client.get(old)).status_code == 200
    reply = await ask(bot, ANA, "/settings calendar renew")
    assert "renewed" in reply
    _, new = feed_paths(reply)
    assert new != old
    assert (await client.get(old)).status_code == 403
    assert (await client.get(new)).status_code == 200
    # The button renews too, and the link it shows is the one that works.
    calls = await bot.click(ANA, "cal:renew")
    edited = [c.text for c in calls if c.method == "editMessageText"]
    _, newest = feed_paths(edited[0])
    assert (await client.get(new)).status_code == 403
    assert (await client.get(newest)).status_code == 200
    assert any(c.method == "answerCallbackQuery" and "renewed" in c.params.get("text", "")
               for c in calls)
    async with services.sessions() as session:
        ana = (await session.exec(select(Person).where(Person.telegram_id == ANA["id"]))).one()
        assert (await session.exec(select(CalendarFeed.generation))).one() == 2
    entries = await audits(services, "settings.change")
    assert [(e.subject, e.actor) for e in entries] == [(f"{ana.id} calendar link",
                                                        str(ANA["id"]))] * 2


async def test_forged_and_garbled_links_get_403(client, data, services):
    async with services.sessions() as session:
        ana = (await session.exec(select(Person).where(Person.telegram_id == ANA["id"]))).one()
    genuine = feed_token(SECRET_KEY, ana.id, 0)
    assert (await client.get(f"/calendar/{genuine}.ics")).status_code == 200
    forged = [
        feed_token("another-secret-key-entirely-000", ana.id, 0),  # another key
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),  # a changed signature
        feed_token(SECRET_KEY, ana.id, 1),  # a generation not issued yet
        feed_token(SECRET_KEY, 99999, 0),  # nobody
        URLSafeSerializer(SECRET_KEY, salt=FEED_SALT).dumps({"person": ana.id}),  # wrong shape
        URLSafeSerializer(SECRET_KEY, salt="other").dumps([ana.id, 0]),  # another purpose
        "not-a-token",
    ]
    for token in forged:
        answer = await client.get(f"/calendar/{token}.ics")
        assert answer.status_code == 403, token
        assert "not valid" in answer.text
        assert b"VCALENDAR" not in answer.content


async def test_a_removed_contact_loses_the_feed(client, data, services):
    async with services.sessions.begin() as session:
        ana = (await session.exec(select(Person).where(Person.telegram_id == ANA["id"]))).one()
        ana.active = False
        session.add(ana)
    answer = await client.get(f"/calendar/{feed_token(SECRET_KEY, ana.id, 0)}.ics")
    assert answer.status_code == 403


async def test_settings_refuses_a_wrong_calendar_word(bot, data, services):
    reply = await ask(bot, ANA, "/settings calendar refresh")
    assert "/settings calendar renew" in reply
    async with services.sessions() as session:
        assert (await session.exec(select(CalendarFeed))).all() == []


async def test_public_feed_has_every_meeting_zone(client, data, services):
    async with services.sessions.begin() as session:
        meeting = await session.get(Meeting, data.summit)
        meeting.timezone = "Asia/Manila"
        session.add(meeting)
    calendar = Calendar.from_ical((await client.get("/calendar.ics")).content)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones == {"Asia/Manila", "Europe/Brussels"}


def test_a_public_url_needs_a_secret_key():
    with pytest.raises(ConfigError, match="FOF_SECRET_KEY is required when FOF_PUBLIC_URL"):
        load_settings(_env_file=None, public_url=PUBLIC_URL)
    with pytest.raises(ConfigError, match="FOF_SECRET_KEY must be at least"):
        load_settings(_env_file=None, public_url=PUBLIC_URL, secret_key="short")
    with pytest.raises(ConfigError, match="FOF_PUBLIC_URL must be an http"):
        load_settings(_env_file=None, public_url="fof.example.org")
    settings = load_settings(_env_file=None, public_url=PUBLIC_URL + "/", secret_key=SECRET_KEY)
    assert settings.public_url == PUBLIC_URL


async def test_no_public_url_no_links(settings, services, data):
    """Without FOF_PUBLIC_URL, /settings shows no calendar link and cannot renew one."""
    from bot.app import build_application
    from bot.offline import OfflineBot, OfflineRequest
    from bot.services import Services

    plain = Services(settings.model_copy(update={"public_url": None}), services.clock,
                     services.engine, services.sessions)
    request = OfflineRequest()
    application = build_application(plain, request=request, rate_limit=False)
    async with application:
        offline = OfflineBot(application, request)
        calls = await offline.send(ANA, "/settings")
        assert "Calendar" not in calls[0].text
        assert all(data != "cal:renew" for _, data in calls[0].buttons)
        reply = "\n".join(offline.texts(await offline.send(ANA, "/settings calendar renew")))
        assert "FOF_PUBLIC_URL" in reply


async def test_an_administrator_without_contact_gets_no_links(bot, data):
    reply = await ask(bot, ADMIN, "/settings")
    assert ".ics" not in reply

