"""/settings: buttons and typed changes, stored on the contact."""

from storage.models import Person
from tests.fixtures_bot import ANA, DELEGATE, ask, audits, check_sane, data_fixture, texts  # noqa: F401


async def ana(services):
    async with services.sessions() as session:
        return await session.get(Person, 1)


async def test_settings_buttons_change_preferences(bot, services, data):
    calls = await bot.send(ANA, "/settings")
    check_sane(calls)
    data_of = [d for _, d in calls[0].buttons]
    assert {"set:digest:daily", "set:reminders:off", "set:timezone:Asia/Manila",
            "set:language:es"} <= set(data_of)
    assert ("✓ Digest weekly", "set:digest:weekly") in calls[0].buttons
    calls = await bot.click(ANA, "set:digest:daily")
    check_sane(calls)
    assert ("✓ Digest daily", "set:digest:daily") in calls[-1].buttons
    await bot.click(ANA, "set:reminders:off")
    await bot.click(ANA, "set:language:es")
    person = await ana(services)
    assert (person.digest, person.reminders, person.language) == ("daily", False, "es")
    assert (await audits(services, "settings.change"))[-1].after == {"language": "es"}
    assert "jue, 5 jul 2007" in await ask(bot, ANA, "/next")  # dates follow the language


async def test_typed_time_zone(bot, services, data):
    text = await ask(bot, ANA, "/settings timezone Europe/Lisbon")
    assert "Time zone: Europe/Lisbon" in text
    assert (await ana(services)).timezone == "Europe/Lisbon"
    assert "is not a time zone" in await ask(bot, ANA, "/settings timezone Moon/Base")
    assert "is not a setting" in await ask(bot, ANA, "/settings colour blue")
    assert (await ana(services)).timezone == "Europe/Lisbon"


async def test_forged_button_values_are_refused(bot, services, data):
    calls = await bot.click(ANA, "set:timezone:Not/AZone")
    assert "is not a time zone" in texts(calls)
    calls = await bot.click(ANA, "set:digest:hourly")
    assert "is not a valid digest frequency" in texts(calls)
    assert (await ana(services)).digest == "weekly"
    assert "/link" in texts(await bot.click(DELEGATE, "set:digest:off"))
