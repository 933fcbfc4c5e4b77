"""Linking accounts: a one-time code by email, the same reply for any address, limits."""

import email
import re
from datetime import timedelta

from sqlmodel import select

from bot.offline import user
from storage.models import LinkCode, OutboxMessage, Person
from tests.fixtures_bot import (
    DELEGATE,
    GROUP_CHAT,
    ask,
    audits,
    data_fixture,  # noqa: F401
)

RAHIM = "rahim@mofa.example.bd"


async def outbox(services):
    async with services.sessions() as session:
        return list((await session.exec(select(OutboxMessage))).all())


def code_in(row: OutboxMessage) -> str:
    body = email.message_from_string(row.body).get_payload(decode=True).decode()
    return re.search(r"Your code: (\d{6})", body).group(1)


async def rahim(services):
    async with services.sessions() as session:
        return (await session.exec(select(Person).where(Person.email == RAHIM))).one()


async def test_same_reply_for_known_and_unknown_addresses(bot, services, data):
    known = await ask(bot, DELEGATE, f"/link {RAHIM.upper()}")
    unknown = await ask(bot, DELEGATE, "/link nobody@example.org")
    assert known == unknown and "6-digit code" in known
    rows = await outbox(services)
    assert [(r.recipient, r.kind) for r in rows] == [(RAHIM, "link_code")]
    message = email.message_from_string(rows[0].body)
    assert message["To"].endswith(f"<{RAHIM}>") and "/verify" in rows[0].body


async def test_only_a_hash_is_stored(bot, services, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    code = code_in((await outbox(services))[0])
    async with services.sessions() as session:
        stored = (await session.exec(select(LinkCode))).one()
    assert code not in stored.code_hash and len(stored.code_hash) > 60


async def test_verify_links_the_account(bot, services, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    code = code_in((await outbox(services))[0])
    calls = await bot.send(DELEGATE, f"/verify {code}")
    assert "Linked: welcome, Rahim Chowdhury" in calls[0].text
    # the chat's menu now follows the contact's language (English here), for every app language
    menus = [c for c in calls if c.method == "setMyCommands"]
    assert [c.params.get("language_code") for c in menus] == [None, "fr", "es"]
    assert all("whoami" in str(c.params["commands"]) for c in menus)
    assert (await rahim(services)).telegram_id == DELEGATE["id"]
    assert "focal point for Bangladesh" in await ask(bot, DELEGATE, "/whoami")
    entry = (await audits(services, "person.link"))[-1]
    assert entry.subject == RAHIM and entry.after == {"telegram_id": DELEGATE["id"]}
    async with services.sessions() as session:
        assert (await session.exec(select(LinkCode))).all() == []


async def test_five_wrong_codes_end_the_code(bot, services, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    code = code_in((await outbox(services))[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    replies = [await ask(bot, DELEGATE, f"/verify {wrong}") for _ in range(5)]
    assert "4 tries left" in replies[0] and "1 try left" in replies[3]
    assert "Too many wrong codes" in replies[4]
    assert "no code waiting" in await ask(bot, DELEGATE, f"/verify {code}")
    assert (await rahim(services)).telegram_id is None


async def test_codes_expire_after_15_minutes(bot, services, clock, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    code = code_in((await outbox(services))[0])
    clock.advance(timedelta(minutes=15, seconds=1))
    assert "expired" in await ask(bot, DELEGATE, f"/verify {code}")
    assert (await rahim(services)).telegram_id is None


async def test_one_code_per_person_and_no_mail_flood(bot, services, clock, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    await ask(bot, DELEGATE, f"/link {RAHIM}")  # within a minute: no second mail
    assert len(await outbox(services)) == 1
    first = code_in((await outbox(services))[0])
    clock.advance(timedelta(minutes=2))
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    rows = await outbox(services)
    assert len(rows) == 2
    second = code_in(rows[1])
    if first != second:
        assert "not right" in await ask(bot, DELEGATE, f"/verify {first}")
    assert "Linked" in await ask(bot, DELEGATE, f"/verify {second}")


async def test_someone_else_cannot_use_my_code(bot, services, data):
    await ask(bot, DELEGATE, f"/link {RAHIM}")
    code = code_in((await outbox(services))[0])
    eve = user(6666, "Eve")
    assert "no code waiting" in await ask(bot, eve, f"/verify {code}")
    assert (await rahim(services)).telegram_id is None


async def test_bad_input_and_groups(bot, services, data):
    assert "is not an email address" in await ask(bot, DELEGATE, "/link rahim")
    assert "The code is the 6 digits" in await ask(bot, DELEGATE, "/verify 12ab56")
    assert "private chat" in await ask(bot, DELEGATE, f"/link {RAHIM}", chat_id=GROUP_CHAT)
    assert await outbox(services) == []
