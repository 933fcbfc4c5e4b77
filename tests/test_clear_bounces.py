"""`/outbox clear <address>`: once a contact's mailbox works again, an administrator lets mail
go to it; the bounces counted against it are forgotten, the messages held meanwhile stay
unsent (they are out of date), and it is audited. (Issue 13, left open there: the address
could only be mailed again by changing it.)"""

from __future__ import annotations

from sqlmodel import select

from bot.mail.delivery import deliver_due
from bot.mail.mime import compose, to_wire
from bot.offline import user
from storage import bounces, outbox
from storage.audit import AuditAction
from storage.bounces import HELD
from storage.models import Bounce, OutboxMessage, OutboxStatus, UndeliverableAddress
from tests.conftest import ADMIN
from tests.fixtures_bot import ask, audits
from tests.mail_fixtures import EMAILS, JOSE_TELEGRAM, seed

RAHIM = EMAILS["rahim"]


async def _queue(services, key: str) -> None:
    now = services.clock.now()
    message = compose(services.settings, key=key, to_address=RAHIM, to_name="Rahim Uddin",
                      subject="Hello", text="Hello.", now=now)
    async with services.sessions.begin() as session:
        await outbox.enqueue(session, key=key, recipient=RAHIM, kind="test",
                             body=to_wire(message), subject="Hello", now=now)


async def _bouncing(services) -> None:
    """Rahim's address bounced permanently; a message to it was held since."""
    now = services.clock.now()
    async with services.sessions.begin() as session:
        await bounces.count(session, address=RAHIM, severity="permanent",
                            day=services.today(), now=now, status="5.1.1",
                            diagnostic="user unknown", outbox_id=None)
        await bounces.mark_undeliverable(session, RAHIM, now=now, reason="5.1.1 user unknown")
    await _queue(services, "test:held")
    async with services.sessions.begin() as session:
        assert await bounces.hold_undeliverable(session) == 1


async def _rows(services, model, *where) -> list:
    async with services.sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def test_an_administrator_lets_mail_go_to_a_repaired_address(bot, services, mail_sink):
    await seed(services)
    await _bouncing(services)
    assert "Addresses that bounce (1)" in await ask(bot, ADMIN, "/outbox")

    reply = await ask(bot, ADMIN, f"/outbox clear {RAHIM.upper()}")
    assert reply == (f"Mail goes to {RAHIM} again (it had bounced since 2 July 2007). Messages "
                     "held back meanwhile stay unsent.")
    assert await _rows(services, UndeliverableAddress) == []
    assert await _rows(services, Bounce, Bounce.address == RAHIM) == []  # counted afresh
    [held] = await _rows(services, OutboxMessage, OutboxMessage.key == "test:held")
    assert held.status == HELD  # out of date by now: not sent
    assert "Addresses that bounce" not in await ask(bot, ADMIN, "/outbox")
    [entry] = await audits(services, AuditAction.ADDRESS_CLEARED)
    assert entry.subject == RAHIM
    assert f"let mail go to {RAHIM} again" in await ask(bot, ADMIN, "/audit 1")

    await _queue(services, "test:new")  # new mail goes out, not held
    report = await deliver_due(services, services.clock.now())
    assert report.sent == 1 and [r for _, r, _ in mail_sink.received] == [[RAHIM]]
    [new] = await _rows(services, OutboxMessage, OutboxMessage.key == "test:new")
    assert new.status == OutboxStatus.SENT


async def test_clearing_is_refused_with_a_reason(bot, services):
    await seed(services)
    await _bouncing(services)
    jose = user(JOSE_TELEGRAM, "José")  # a focal point, not an administrator
    assert "only administrators" in await ask(bot, jose, f"/outbox clear {RAHIM}")
    assert "Write clear, then the address that bounced." in await ask(bot, ADMIN, "/outbox clear")
    assert "Write clear, then the address" in await ask(bot, ADMIN, f"/outbox purge {RAHIM}")
    assert "“rahim” is not an email address." in await ask(bot, ADMIN, "/outbox clear rahim")
    other = EMAILS["anne"]
    assert await ask(bot, ADMIN, f"/outbox clear {other}") == (
        f"No mail is held back for {other}: /outbox lists the addresses that bounce. Nothing "
        "was changed.")
    assert len(await _rows(services, UndeliverableAddress)) == 1  # still held back
    assert await audits(services, AuditAction.ADDRESS_CLEARED) == []


async def test_in_french(bot, services):
    await seed(services)
    await _bouncing(services)
    admin_fr = dict(ADMIN, language_code="fr")
    reply = await ask(bot, admin_fr, f"/outbox clear {RAHIM}")
    assert reply.startswith(f"Le courrier part de nouveau vers {RAHIM} (ses messages étaient "
                            "rejetés depuis le 2 juillet 2007).")
