"""Every button the bot offers works: each of /settings (twice, so the option already selected is
pressed too) and each offered by every guided form of the registry, found generically."""

import logging

import pytest
from telegram.error import BadRequest

from bot.offline import ApiCall
from handlers.registry import COMMANDS
from handlers.settings import ZONES
from storage.models import Person
from tests.fixtures_bot import ADMIN, ANA, check_sane, data_fixture, texts  # noqa: F401

REFUSALS = ("Please try again", "is not a", "Nothing was changed", "expired", "Sorry")
# Typed answers tried, in order, for a question before the one whose buttons are pressed (the
# first the form accepts is used), so a question another change adds is answered too.
SAMPLES = {
    "when": "2007-10-02 10:00", "zone": "Asia/Manila", "code": "GH", "due": "2007-12-31",
    "email": "kofi.mensah@example.org", "name": "Kofi Mensah", "title": "Pilot study",
    "location": "Manila", "audience": "all", "telegram_id": "skip",
}
GENERIC = ("skip", "2007-10-02 10:00", "2007-10-02", "2007-12-31", "Asia/Manila", "GH",
           "Pilot study", "kofi.mensah@example.org", "all", "none", "-")


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def answered(calls: list[ApiCall]) -> str:
    """The button got its answer (Telegram's spinner stops); returns everything said."""
    assert any(c.method == "answerCallbackQuery" for c in calls), [c.method for c in calls]
    check_sane(calls)
    return texts(calls)


async def test_the_offline_api_refuses_an_edit_that_changes_nothing(bot, data):
    calls = await bot.send(ANA, "/settings")
    message = calls[-1]
    kwargs = dict(chat_id=message.chat_id, message_id=message.result["message_id"])
    with pytest.raises(BadRequest, match="not modified"):
        await bot.app.bot.edit_message_text(message.text, **kwargs,
                                            reply_markup=message.params["reply_markup"])
    edited = await bot.app.bot.edit_message_text(message.text + " (edited)", **kwargs)
    assert edited.text.endswith("(edited)")


def test_the_time_zone_buttons_are_real_zones_shown_by_city():
    from zoneinfo import available_timezones

    assert set(ZONES) <= available_timezones()
    assert "Europe/Zurich" in ZONES  # Geneva's zone


async def test_every_settings_button_works_even_when_already_selected(bot, services, data,
                                                                      caplog):
    caplog.set_level(logging.INFO)
    settings = (await bot.send(ANA, "/settings"))[-1]
    message_id = settings.result["message_id"]
    offered = settings.buttons
    assert len(offered) >= 12 and ("Geneva", "set:timezone:Europe/Zurich") in offered
    for label, data_ in offered:
        name, value = data_.split(":")[1:]
        first = answered(await bot.click(ANA, data_, message_id=message_id))
        assert not any(r in first for r in REFUSALS), (label, first)
        again = answered(await bot.click(ANA, data_, message_id=message_id))  # now selected
        # a language button answers in the language just chosen
        already = {"fr": "C'est déjà votre réglage.", "es": "Esa ya es su configuración."}
        assert (already.get(value, "That is already your setting.") if name == "language"
                else "That is already your setting.") in again, (label, again)
        async with services.sessions() as session:
            stored = getattr(await session.get(Person, 1), name)
        assert stored == ({"on": True, "off": False}[value] if name == "reminders" else value)
    no_errors_logged(caplog)


async def _walk(bot, name: str, questions, upto: int) -> ApiCall:
    """Open the form and answer its questions before `upto`; the prompt of `upto`."""
    calls = await bot.send(ADMIN, f"/{name}")
    total = len(questions)
    for step, question in enumerate(questions[:upto]):
        tries = [SAMPLES.get(question.key), *question.choices, *GENERIC]
        for answer in (t for t in tries if t is not None):
            calls = await bot.send(ADMIN, answer)
            if f"({step + 2}/{total})" in texts(calls):
                break
        else:
            pytest.fail(f"/{name}: no sample answer passes the {question.key} question")
    prompt = calls[-1]
    assert f"({upto + 1}/{total})" in prompt.text
    return prompt


async def test_every_button_of_every_guided_form_works(bot, data, caplog):
    caplog.set_level(logging.INFO)
    pressed = 0
    for command in (c for c in COMMANDS if c.form is not None):
        questions = command.form.questions
        for step, question in enumerate(questions):
            prompt = await _walk(bot, command.name, questions, step)
            offered = prompt.buttons
            assert len(offered) == len(question.choices), (command.name, question.key)
            for index, (label, data_) in enumerate(offered):
                if index:  # each press moves the form on: open it again for the next button
                    prompt = await _walk(bot, command.name, questions, step)
                said = answered(await bot.click(ADMIN, data_,
                                                message_id=prompt.result["message_id"]))
                assert not any(r in said for r in REFUSALS), (command.name, label, said)
                if step + 1 < len(questions):
                    assert f"({step + 2}/{len(questions)})" in said, (command.name, label)
                pressed += 1
            await bot.send(ADMIN, "/cancel")
    assert pressed >= 12  # 8 zones, 3 audiences, skip
    no_errors_logged(caplog)


async def test_every_paging_button_works_including_the_page_shown(bot, data, caplog):
    caplog.set_level(logging.INFO)
    for n in range(60):
        await bot.send(ADMIN, f"/addmember Q{n:02d} Organisation number {n} with a long name for "
                                  "paging purposes")
    listing = (await bot.send(ADMIN, "/members"))[-1]
    offered = listing.buttons
    assert [label for label, _ in offered] == ["1 / 2", "Next ▶"]
    for label, data_ in offered + offered[::-1]:
        said = answered(await bot.click(ADMIN, data_, message_id=listing.result["message_id"]))
        assert not any(r in said for r in REFUSALS), (label, said)
    no_errors_logged(caplog)
