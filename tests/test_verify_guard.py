"""/link and /verify under attack: guesses bounded per account and per contact over hours, one
code per account, the mail limits held, and the real contact still gets her own code."""

from datetime import timedelta

from sqlmodel import select

from bot.offline import user
from storage.models import LinkCode
from tests.fixtures_bot import ask, data_fixture  # noqa: F401
from tests.test_linking import RAHIM, code_in, outbox, rahim

EVE = user(6601, "Eve")
ANA_EMAIL = "ana.garcia@sre.example.mx"


def wrong(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 1_000_000:06d}"


async def latest_code(services) -> str:
    return code_in((await outbox(services))[-1])


async def test_a_new_link_does_not_reset_the_wrong_guesses(bot, services, clock, data):
    await ask(bot, EVE, f"/link {RAHIM}")
    first = await latest_code(services)
    for n in range(1, 4):
        assert "not right" in await ask(bot, EVE, f"/verify {wrong(first, n)}")
    clock.advance(timedelta(minutes=2))
    await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == 2
    second = await latest_code(services)
    assert "1 try left" in await ask(bot, EVE, f"/verify {wrong(second, 1)}")
    assert "Too many wrong codes" in await ask(bot, EVE, f"/verify {wrong(second, 2)}")
    # Locked out: even the right code is not checked, and no new code is mailed for an hour.
    clock.advance(timedelta(minutes=2))
    await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == 2
    assert "no code waiting" in await ask(bot, EVE, f"/verify {second}")
    clock.advance(timedelta(hours=1))
    await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == 3
    assert "Linked" in await ask(bot, EVE, f"/verify {await latest_code(services)}")


async def test_at_most_twenty_wrong_guesses_a_day_per_account(bot, services, clock, data):
    replies = []
    for _hour in range(4):
        clock.advance(timedelta(minutes=61))
        await ask(bot, EVE, f"/link {RAHIM}")
        code = await latest_code(services)
        replies += [await ask(bot, EVE, f"/verify {wrong(code, n)}") for n in range(1, 6)]
    assert sum("not right" in r for r in replies) == 16
    assert "today" in replies[-1]
    sent = len(await outbox(services))
    clock.advance(timedelta(minutes=61))
    await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == sent  # still locked for the day
    clock.advance(timedelta(days=1))
    await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == sent + 1


async def test_many_accounts_share_one_contacts_limit(bot, services, clock, data):
    """Fresh Telegram accounts do not buy more guesses at one contact's code."""
    answers = []
    for n in range(6):
        attacker = user(6700 + n, f"Sybil {n}")
        clock.advance(timedelta(seconds=61))
        await ask(bot, attacker, f"/link {RAHIM}")
        rows = await outbox(services)
        if len(rows) == n:  # no code was mailed to this account
            answers.append(await ask(bot, attacker, "/verify 000000"))
            continue
        answers.append(await ask(bot, attacker, f"/verify {wrong(code_in(rows[-1]))}"))
    assert len(await outbox(services)) == 5  # the sixth account got no code
    assert "Too many wrong codes" in answers[4] and "no code waiting" in answers[5]
    assert (await rahim(services)).telegram_id is None


async def test_codes_are_mailed_once_a_minute_per_contact_and_per_account(bot, services,
                                                                           clock, data):
    other = user(6801, "Other")
    await ask(bot, EVE, f"/link {RAHIM}")
    clock.advance(timedelta(seconds=20))
    await ask(bot, other, f"/link {RAHIM}")  # same contact, within the minute
    clock.advance(timedelta(seconds=20))
    await ask(bot, EVE, f"/link {ANA_EMAIL}")  # same account, within the minute
    assert [r.recipient for r in await outbox(services)] == [RAHIM]
    for _ in range(6):
        clock.advance(timedelta(seconds=61))
        await ask(bot, EVE, f"/link {RAHIM}")
    assert len(await outbox(services)) == 5  # five an hour per account


async def test_the_contact_gets_her_own_code_while_an_attackers_is_pending(bot, services,
                                                                            clock, data):
    real = user(6901, "Rahim")
    await ask(bot, EVE, f"/link {RAHIM}")
    eve_code = await latest_code(services)
    clock.advance(timedelta(seconds=61))
    await ask(bot, real, f"/link {RAHIM}")
    assert len(await outbox(services)) == 2
    own = await latest_code(services)
    assert "Linked: welcome, Rahim" in await ask(bot, real, f"/verify {own}")
    assert "no code waiting" in await ask(bot, EVE, f"/verify {eve_code}")
    assert (await rahim(services)).telegram_id == real["id"]


async def test_a_guess_is_checked_against_the_accounts_one_code(bot, services, clock, data):
    await ask(bot, EVE, f"/link {RAHIM}")
    rahim_code = await latest_code(services)
    clock.advance(timedelta(seconds=61))
    await ask(bot, EVE, f"/link {ANA_EMAIL}")  # replaces the code for Rahim
    async with services.sessions() as session:
        codes = (await session.exec(select(LinkCode))).all()
    assert len(codes) == 1 and codes[0].telegram_id == EVE["id"]
    if rahim_code != await latest_code(services):
        assert "not right" in await ask(bot, EVE, f"/verify {rahim_code}")
    assert (await rahim(services)).telegram_id is None
