"""The personal digest: contents per role, preferences, time zones, no duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.mail.delivery import deliver_due
from bot.mail.digest import ALREADY, EMPTY, OFF, QUEUED, WOULD_QUEUE, build_digests, preview_digest
from bot.services import open_services
from storage import audit
from storage.models import Person
from tests.mail_fixtures import EMAILS, answer, parsed, parts, rows, seed


def texts_by_email(report) -> dict[str, str]:
    return {e.email: e.text for e in report.entries}


async def test_digest_content_per_role(services, clock, mail_sink):
    sample = await seed(services)
    await answer(services, sample.forum, sample.people["rahim"], "yes")
    report = await build_digests(services, clock.now())
    assert report.count(QUEUED) == 6
    text = texts_by_email(report)
    # Anne: Belgian focal point, steering group and troika: all three meetings, steering section
    # (in French, her language)
    anne = text[EMAILS["anne"]]
    assert all(f"* {t}\n" in anne for t in ("Troika meeting", "Global Forum", "Steering group"))
    assert "GROUPE DE PILOTAGE" in anne and "Philippines (troïka : présidence entrante)" in anne
    assert "Pilot on measuring the impacts" in anne  # another steering member's open action
    assert "jeudi 5 juillet 2007, 14:00 (heure : Bruxelles)" in anne
    # Luc reads English: the same section in English
    assert "STEERING GROUP" in text[EMAILS["luc"]]
    assert "Philippines (troika: future chair)" in text[EMAILS["luc"]]
    # Luc: Belgium's steering representative, not a focal point: no Forum (audience all)
    luc = text[EMAILS["luc"]]
    assert "* Troika meeting\n" in luc and "* Steering group\n" in luc
    assert "* Global Forum\n" not in luc
    # Rahim: Bangladesh, not in the steering group: the Forum, his answer, the overdue study
    rahim = text[EMAILS["rahim"]]
    assert "* Global Forum\n" in rahim and "Your answer: yes" in rahim
    assert "Troika meeting" not in rahim and "Steering group" not in rahim
    assert "STEERING GROUP" not in rahim
    assert "OVERDUE Feasibility study on a migrant resource centre (BD)" in rahim
    assert "Monday, 9 July 2007, 13:00 (Dhaka time); Monday, 9 July 2007, 09:00 local time " \
           "in Brussels" in rahim
    # Mikko: Finland, steering: the pilot is his own member's action, due soon
    mikko = text[EMAILS["mikko"]]
    assert "Pilot on measuring the impacts" in mikko and "OVERDUE" not in mikko
    assert "* Steering group\n" in mikko and "Troika meeting" not in mikko
    # Sent, each to its own recipient, with both parts
    await deliver_due(services, clock.now())
    assert len(mail_sink.received) == 6
    for _, rcpt, raw in mail_sink.received:
        message = parsed(raw)
        assert len(rcpt) == 1 and message["To"].addresses[0].addr_spec == rcpt[0]
        assert {"text/plain", "text/html"} <= set(parts(message))
        assert message["Subject"].startswith({
            EMAILS["anne"]: "Bulletin des Amis du Forum, ",
            EMAILS["maria"]: "Boletín de los Amigos del Foro, "}.get(
                rcpt[0], "Friends of the Forum digest, "))
    html = next(parsed(raw) for _, rcpt, raw in mail_sink.received
                if rcpt == [EMAILS["rahim"]]).get_body(("html",)).get_content()
    assert "Overdue</strong> Feasibility study" in html


async def test_changes_since_the_last_digest(services, clock):
    sample = await seed(services)
    async with services.sessions.begin() as session:
        await audit.record(session, at=clock.now() - timedelta(days=2), actor="cli",
                           action="member.add", subject="Mexico (MX)")
        await audit.record(session, at=clock.now() - timedelta(days=1), actor="42",
                           action="admin.add", subject="42")  # not for focal points
        await audit.record(session, at=clock.now() - timedelta(days=20), actor="cli",
                           action="member.add", subject="Ghana (GH)")  # before the lookback
    report = await build_digests(services, clock.now())
    maria = texts_by_email(report)[EMAILS["maria"]]
    # María reads Spanish
    assert "Nuevo miembro: Mexico (MX)" in maria and "Ghana" not in maria and "42" not in maria
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["maria"])).last_digest_at == clock.now()
    clock.advance(timedelta(days=7))
    async with services.sessions.begin() as session:
        await audit.record(session, at=clock.now() - timedelta(hours=1), actor="42",
                           action="meeting.move", subject="Steering group")
    again = texts_by_email(await build_digests(services, clock.now()))[EMAILS["maria"]]
    assert "Mexico (MX)" not in again
    # Maria is not invited to the steering group but the change is listed for everyone
    assert "Reunión cambiada de fecha: Steering group" in again


async def test_preferences_and_empty_digests(services, clock):
    sample = await seed(services)
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["luc"])).digest = "off"
        (await session.get(Person, sample.people["anne"])).digest = "daily"
    weekly = await build_digests(services, clock.now())
    outcome = {e.email: e.outcome for e in weekly.entries}
    assert outcome[EMAILS["luc"]] == OFF and outcome[EMAILS["anne"]] == QUEUED
    # the daily run the next day: only Anne, who asked for a daily digest
    clock.advance(timedelta(days=1))
    daily = await build_digests(services, clock.now(), frequencies=("daily",))
    assert [e.email for e in daily.entries if e.outcome == QUEUED] == [EMAILS["anne"]]
    # September: no meeting ahead; only Bangladesh still has an (overdue) action
    clock.set(datetime(2007, 9, 3, 5, 0, tzinfo=UTC))
    late = await build_digests(services, clock.now())
    outcome = {e.email: e.outcome for e in late.entries}
    assert outcome[EMAILS["maria"]] == EMPTY
    assert outcome[EMAILS["rahim"]] == QUEUED


async def test_no_duplicate_digest_on_the_same_day_or_after_restart(services, settings, clock):
    await seed(services)
    first = await build_digests(services, clock.now())
    clock.advance(timedelta(hours=3))
    second = await build_digests(services, clock.now())
    assert second.count(QUEUED) == 0 and second.count(ALREADY) == first.count(QUEUED)
    async with open_services(settings, FixedClock(clock.now()), migrate=False) as restarted:
        third = await build_digests(restarted, clock.now())
    assert third.count(QUEUED) == 0
    assert len(await rows(services, "digest:")) == first.count(QUEUED)


async def test_key_uses_the_recipients_local_date(services, clock):
    sample = await seed(services)
    clock.set(datetime(2007, 7, 1, 23, 0, tzinfo=UTC))  # Manila: 2 July; Mexico: 1 July
    await build_digests(services, clock.now())
    keys = {r.key for r in await rows(services, "digest:")}
    assert f"digest:2007-07-02:{sample.people['jose']}" in keys
    assert f"digest:2007-07-01:{sample.people['maria']}" in keys


async def test_dry_run_and_single_recipient(services, clock):
    sample = await seed(services)
    dry = await build_digests(services, clock.now(), dry_run=True)
    assert dry.count(WOULD_QUEUE) == 6 and await rows(services) == []
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["anne"])).last_digest_at is None
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["maria"])).digest = "off"
    only = await build_digests(services, clock.now(), only_email=EMAILS["maria"].upper())
    assert [(e.email, e.outcome) for e in only.entries] == [(EMAILS["maria"], QUEUED)]


async def test_preview_goes_only_to_the_asking_admin(services, clock, mail_sink):
    sample = await seed(services)
    entry = await preview_digest(services, clock.now(), person_email=EMAILS["rahim"],
                                 to_address="admin@gfmd.example")
    assert entry.subject.startswith("[Preview for Rahim Uddin]")
    await deliver_due(services, clock.now())
    [(_, rcpt, raw)] = mail_sink.received
    assert rcpt == ["admin@gfmd.example"]
    assert "Feasibility study" in parsed(raw).get_body(("plain",)).get_content()
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["rahim"])).last_digest_at is None


async def test_changes_written_by_the_bot_commands_read_well(services, clock):
    """The digest words the audit entries that the real storage functions write."""
    from storage import actions, members

    sample = await seed(services)
    clock.advance(timedelta(hours=1))
    async with services.sessions.begin() as session:
        await members.set_troika(session, role="past", code="MX", actor="cli", now=clock.now())
        await actions.mark_done(session, action_id=sample.pilot, author="Mikko", note=None,
                                actor="cli", now=clock.now())
    texts = texts_by_email(await build_digests(services, clock.now()))
    maria = texts[EMAILS["maria"]]  # Mexico, not on the steering group
    # María reads Spanish, Mikko English, Anne French
    assert "Troika: el puesto de la presidencia saliente corresponde ahora a MX" in maria
    assert "Troika: the past chair's seat now belongs to MX" in texts[EMAILS["mikko"]]
    title = "Pilot on measuring the impacts of migration policies"
    # Finland's action concerns Finland and the steering group it is on, not Mexico
    assert f"Action item done: {title}" in texts[EMAILS["mikko"]]
    assert f"Action de suivi terminée : {title}" in texts[EMAILS["anne"]]
    assert title not in maria
