"""Answers in one click and one-click unsubscribe, through the real HTTP front (uvicorn on
127.0.0.1, a port the OS chooses): GET pages change nothing, POSTs record the answer (seen by
/attendance) or turn a kind of mail off (the next digest skips the person), forged, altered
and expired links get 403 and change nothing; pages in the person's language. And the deep
links the mails carry: /start action_4, /start meeting_7."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from bot.http.server import HttpFront
from bot.http.tokens import rsvp_token, unsubscribe_token
from bot.mail import links
from bot.mail.digest import OFF, build_digests
from bot.ops import calendar as calendar_ops
from bot.ops.subscriptions import unsubscribe
from handlers.formatting import ANSWER_LABEL
from storage.audit import AuditAction
from storage.models import Meeting, MeetingStatus, Person
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    DELEGATE,
    JAN,
    ask,
    audits,
    data_fixture,  # noqa: F401
    snapshot_db,
)
from tests.http_fixtures import PUBLIC_URL, SECRET_KEY, linked_settings_fixture  # noqa: F401

EMAILS = {"ana": "ana.garcia@sre.example.mx", "jan": "jan.peeters@diplobel.example",
          "rahim": "rahim@mofa.example.bd"}
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def settings(linked_settings):
    return linked_settings


@pytest.fixture
async def web(services) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real front served by uvicorn on 127.0.0.1."""
    front = HttpFront(services, "127.0.0.1", 0)
    await front.start()
    try:
        async with httpx.AsyncClient(base_url=front.url, timeout=10) as client:
            yield client
    finally:
        await front.stop()


async def person_id(services, key: str) -> int:
    async with services.sessions() as session:
        found = await session.exec(select(Person).where(Person.email == EMAILS[key]))
        return found.one().id


async def set_person(services, key: str, **values) -> None:
    async with services.sessions.begin() as session:
        person = (await session.exec(select(Person).where(Person.email == EMAILS[key]))).one()
        for name, value in values.items():
            setattr(person, name, value)
        session.add(person)


def path(url: str) -> str:
    """The path (and query) of a link under FOF_PUBLIC_URL, as the front sees it."""
    assert url.startswith(PUBLIC_URL + "/")
    return url.removeprefix(PUBLIC_URL)


async def rsvp_paths(services, key: str, meeting_id: int) -> dict[str, str]:
    urls = links.rsvp_urls(services.settings, await person_id(services, key), meeting_id)
    return {answer: path(url) for answer, url in urls.items()}


async def attendance(bot, meeting_id: int) -> str:
    return await ask(bot, ADMIN, f"/attendance {meeting_id}")


async def test_a_get_shows_the_question_and_a_post_records_the_answer(services, web, bot, data):
    await set_person(services, "jan", language="en")
    yes = (await rsvp_paths(services, "jan", data.summit))["yes"]
    before = await snapshot_db(services)
    for _ in range(2):  # a link scanner, then the person
        page = await web.get(yes)
        assert page.status_code == 200
        assert "Global Forum on Migration and Development" in page.text
        assert "Monday, 9 July 2007, 09:00 (Europe/Brussels)" in page.text
        assert 'method="post"' in page.text and 'value="yes"' in page.text
    three = await web.get(yes.partition("?")[0])  # no answer in the address: three buttons
    assert all(f'value="{answer}"' in three.text for answer in ("yes", "no", "maybe"))
    assert await snapshot_db(services) == before and not await audits(
        services, AuditAction.MEETING_ANSWER)
    assert f"Jan Peeters: {ANSWER_LABEL['yes']}" not in await attendance(bot, data.summit)

    done = await web.post(yes, data={"answer": "yes"})
    assert done.status_code == 200 and "Your answer is recorded: Yes, I will attend." in done.text
    assert f"Jan Peeters: {ANSWER_LABEL['yes']}" in await attendance(bot, data.summit)
    entries = await audits(services, AuditAction.MEETING_ANSWER)
    assert [(e.actor, e.before, e.after) for e in entries] == [
        ("5002", {"answer": None}, {"answer": "yes", "via": "link", "person": "Jan Peeters",
                                    "email": EMAILS["jan"]})]
    # the same answer again changes nothing; another button of the page changes it
    again = await web.post(yes, data={"answer": "yes"})
    assert "Your answer was already recorded" in again.text
    assert len(await audits(services, AuditAction.MEETING_ANSWER)) == 1
    maybe = await web.post(yes, data={"answer": "maybe"})
    assert maybe.status_code == 200
    assert f"Jan Peeters: {ANSWER_LABEL['maybe']}" in await attendance(bot, data.summit)
    # Jan sees the same answer in Telegram
    assert f"<b>{ANSWER_LABEL['maybe']}</b>" in await ask(bot, JAN, f"/meeting {data.summit}")


async def test_the_answer_in_the_address_when_the_body_has_none(services, web, data):
    no = (await rsvp_paths(services, "ana", data.summit))["no"]
    assert (await web.post(no)).status_code == 200
    viewer_answer = await calendar_ops.view_meeting(
        services, await _viewer(services, ANA["id"]), data.summit)
    assert viewer_answer.answer == "no"


async def _viewer(services, telegram_id: int):
    from storage.people import get_viewer
    async with services.sessions() as session:
        return await get_viewer(session, telegram_id)


async def test_forged_altered_expired_links_get_403_and_change_nothing(services, web, clock,
                                                                       data):
    jan = await person_id(services, "jan")
    rahim = await person_id(services, "rahim")
    good = rsvp_token(SECRET_KEY, jan, data.summit)
    altered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    other_person = rsvp_token(SECRET_KEY, rahim, data.summit)
    forged = [
        rsvp_token("another-key-entirely-0123456789-abcdef", jan, data.summit),
        altered,
        other_person[: other_person.index(".")] + good[good.index("."):],  # payload swapped
        unsubscribe_token(SECRET_KEY, jan, "digest"),  # a token of another purpose
        "nonsense",
    ]
    before = await snapshot_db(services)
    for token in forged:
        for method in ("GET", "POST"):
            answer = await web.request(method, f"/rsvp/{token}?answer=yes",
                                       data={"answer": "yes"} if method == "POST" else None)
            assert answer.status_code == 403, (token, method)
            assert "This link is not valid" in answer.text
    # Rahim (Bangladesh) is not invited to the steering group's meeting
    steering = f"/rsvp/{rsvp_token(SECRET_KEY, rahim, data.steering)}?answer=yes"
    assert (await web.post(steering)).status_code == 403
    # a bad answer on a good link: 400
    bad = await web.post(f"/rsvp/{good}?answer=perhaps", data={"answer": "perhaps"})
    assert bad.status_code == 400 and "yes, no or maybe" in bad.text
    assert (await web.get(f"/rsvp/{good}?answer=perhaps")).status_code == 400
    # expired: the summit starts 9 July at 07:00 UTC
    clock.set((await _meeting(services, data.summit)).starts_at)
    expired = await web.post(f"/rsvp/{good}?answer=yes", data={"answer": "yes"})
    assert expired.status_code == 403 and "already started" in expired.text
    assert (await web.get(f"/rsvp/{good}?answer=yes")).status_code == 403
    assert await snapshot_db(services) == before
    assert not await audits(services, AuditAction.MEETING_ANSWER)


async def test_a_cancelled_meeting_refuses_its_links(services, web, data):
    token = rsvp_token(SECRET_KEY, await person_id(services, "jan"), data.troika)
    async with services.sessions.begin() as session:
        meeting = await session.get(Meeting, data.troika)
        meeting.status = MeetingStatus.CANCELLED
        session.add(meeting)
    refused = await web.post(f"/rsvp/{token}?answer=yes")
    assert refused.status_code == 403 and "cancelled" in refused.text


async def _meeting(services, meeting_id: int) -> Meeting:
    async with services.sessions() as session:
        return await session.get(Meeting, meeting_id)


async def test_pages_in_the_persons_language(services, web, data):
    await set_person(services, "jan", language="fr")
    await set_person(services, "ana", language="es")
    jan = (await rsvp_paths(services, "jan", data.summit))["yes"]
    page = await web.get(jan)
    assert '<html lang="fr">' in page.text
    assert "Participerez-vous ?" in page.text
    assert "lundi 9 juillet 2007 à 09:00 (Europe/Brussels)" in page.text
    done = await web.post(jan, data={"answer": "yes"})
    assert "Votre réponse est enregistrée : Oui, je participerai." in done.text
    ana = (await rsvp_paths(services, "ana", data.summit))["maybe"]
    page = await web.get(ana)
    assert '<html lang="es">' in page.text and "¿Asistirá?" in page.text
    assert "lunes, 9 de julio de 2007, a las 02:00 (America/Mexico_City)" in page.text
    unsubscribe_page = await web.get(path(links.unsubscribe_url(
        services.settings, await person_id(services, "ana"), "digest")))
    assert "Cancelar la suscripción" in unsubscribe_page.text
    assert "/settings" in unsubscribe_page.text
    # a link naming no one: the browser's language
    forged = await web.get("/rsvp/nonsense", headers={"Accept-Language": "es-MX,fr;q=0.5"})
    assert forged.status_code == 403 and '<html lang="es">' in forged.text
    assert "Este enlace no es válido." in forged.text


async def test_pages_are_escaped_and_keep_the_link_to_themselves(services, web, data):
    async with services.sessions.begin() as session:
        meeting = await session.get(Meeting, data.summit)
        meeting.title = "<script>alert(1)</script> & friends"
        session.add(meeting)
    page = await web.get((await rsvp_paths(services, "jan", data.summit))["yes"])
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "set-cookie" not in page.headers
    assert "http" not in page.text.lower().replace("http-equiv", "")  # nothing external


async def digest_outcome(services, clock, key: str) -> str:
    report = await build_digests(services, clock.now(), dry_run=True)
    return {e.email: e.outcome for e in report.entries}[EMAILS[key]]


async def test_one_click_unsubscribe_stops_the_next_digest(services, web, clock, data):
    url = path(links.unsubscribe_url(services.settings, await person_id(services, "jan"),
                                     "digest"))
    assert await digest_outcome(services, clock, "jan") != OFF
    before = await snapshot_db(services)
    page = await web.get(url)
    assert page.status_code == 200
    assert "Stop sending the Friends of the Forum digest to jan.peeters@diplobel.example?" \
        in page.text and "/settings" in page.text
    assert await snapshot_db(services) == before
    assert await digest_outcome(services, clock, "jan") != OFF
    # RFC 8058: the mailbox provider POSTs List-Unsubscribe=One-Click, url-encoded
    done = await web.post(url, content=ONE_CLICK,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200
    assert "will no longer receive the Friends of the Forum digest" in done.text
    assert await digest_outcome(services, clock, "jan") == OFF
    entries = await audits(services, AuditAction.SETTINGS_CHANGE)
    assert [(e.subject, e.before, e.after) for e in entries] == [
        (f"{EMAILS['jan']} digest", {"digest": "weekly"}, {"digest": "off", "via": "link"})]
    # twice is harmless (no second entry); the page now says it is off
    assert (await web.post(url, content=ONE_CLICK)).status_code == 200
    assert len(await audits(services, AuditAction.SETTINGS_CHANGE)) == 1
    assert "does not receive the Friends of the Forum digest" in (await web.get(url)).text


async def test_reminders_off_by_a_multipart_one_click(services, web, data):
    rahim = await person_id(services, "rahim")
    url = path(links.unsubscribe_url(services.settings, rahim, "reminders"))
    done = await web.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    assert done.status_code == 200
    async with services.sessions() as session:
        person = await session.get(Person, rahim)
        assert person.reminders is False and person.digest == "weekly"


async def test_forged_unsubscribe_links_get_403(services, web, data):
    jan = await person_id(services, "jan")
    good = unsubscribe_token(SECRET_KEY, jan, "digest")
    before = await snapshot_db(services)
    for token in (unsubscribe_token("another-key-entirely-0123456789-ab", jan, "digest"),
                  good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
                  unsubscribe_token(SECRET_KEY, jan, "everything"),
                  rsvp_token(SECRET_KEY, jan, data.summit)):
        for method in ("GET", "POST"):
            answer = await web.request(method, f"/unsubscribe/{token}", content=ONE_CLICK)
            assert answer.status_code == 403
            assert "This unsubscribe link is not valid" in answer.text
    assert await snapshot_db(services) == before
    assert not await audits(services, AuditAction.SETTINGS_CHANGE)


async def test_unsubscribe_by_mail_is_audited_with_how_it_came(services, data):
    rahim = await person_id(services, "rahim")
    assert await unsubscribe(services, rahim, "digest", via="mail") is True
    assert await unsubscribe(services, rahim, "digest", via="mail") is False
    assert await unsubscribe(services, 999999, "digest", via="mail") is False
    with pytest.raises(ValueError):
        await unsubscribe(services, rahim, "everything", via="mail")
    [entry] = await audits(services, AuditAction.SETTINGS_CHANGE)
    assert entry.after == {"digest": "off", "via": "mail"}
    assert entry.actor == f"person:{rahim}"  # no Telegram account: the contact by number
    assert entry.subject == f"{EMAILS['rahim']} digest"  # the address kept in the entry
    # an address longer than the audit's actor column (40) is whole in the subject
    long_email = "a.very.long.name.of.a.focal.point@ministry.example.org"
    await set_person(services, "rahim", email=long_email)
    assert await unsubscribe(services, rahim, "reminders", via="mail") is True
    last = (await audits(services, AuditAction.SETTINGS_CHANGE))[-1]
    assert (last.actor, last.subject) == (f"person:{rahim}", f"{long_email} reminders")


async def test_deep_links_open_the_action_or_meeting(bot, data):
    shown = await ask(bot, JAN, f"/start action_{data.pilot}")
    assert "Pilot on measuring the impacts of migration on development" in shown
    assert "Welcome" not in shown
    meeting = await ask(bot, JAN, f"/start meeting_{data.summit}")
    assert "Global Forum on Migration and Development" in meeting and "Welcome" not in meeting
    for payload in ("action_999999", "action_x", "settings", "meeting_", "action_1 2"):
        assert "Welcome" in await ask(bot, JAN, f"/start {payload}"), payload
    # action items are for linked contacts: a delegate gets the greeting; meetings are public
    assert "Welcome" in await ask(bot, DELEGATE, f"/start action_{data.pilot}")
    public = await ask(bot, DELEGATE, f"/start meeting_{data.summit}")
    assert "Global Forum on Migration and Development" in public and "Welcome" not in public


async def test_the_interactive_demo_prints_an_rsvp_link_that_works(tmp_path, capsys,
                                                                   monkeypatch):
    """`fof-bot demo --interactive`: while the chat runs, the printed link answers."""
    import builtins
    import re

    from bot.demo import run_demo

    answers: list[httpx.Response] = []
    typed = iter(["2"])  # Ana García, then the link is followed, then /quit

    def fake_input(prompt: str = "") -> str:  # runs in a thread: the loop serves meanwhile
        try:
            return next(typed)
        except StopIteration:
            pass
        if not answers:
            url = re.search(r"http://127\.0\.0\.1:\d+/rsvp/\S+", capsys.readouterr().out)
            assert url is not None
            answers.append(httpx.get(url.group(0), timeout=10))
            answers.append(httpx.post(url.group(0), timeout=10))
        return "/quit"

    monkeypatch.setattr(builtins, "input", fake_input)
    assert await run_demo(tmp_path / "demo", interactive=True) == 0
    page, done = answers
    assert page.status_code == 200 and "Global Forum" in page.text
    assert done.status_code == 200 and "Sí, asistiré" in done.text  # Ana reads Spanish
