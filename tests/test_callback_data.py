"""Callback data is parsed strictly, and a card in a group answers only the person who asked."""

import logging
import re

import pytest

from handlers.registry import BUTTONS, NOT_VALID, NOT_YOURS
from storage.models import Attendance, OutboxBody, OutboxMessage
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    GROUP_CHAT,
    JAN,
    check_sane,
    count,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)

MALFORMED = [
    "", "pg:1", "pg:1:", "pg:x:0", "pg:1:0:", "pg:1:0:abc", "att:", "att:²:yes", "att:1:yes\n",
    "att:1:yes:", "att:1:YES", "att:١:yes", "cxm:99999999999999999999999", "cxm:", "cxm:-1",
    "rmm:", "rmm:B E", "set:digest", "set:digest:", "set:colour:red", "set:timezone:a b",
    "imp:", "imp:1:2", "outbox:", "outbox:retry:now", "outbox:retryx", "zzz:1", ":", "\u202e",
]


@pytest.fixture
def no_errors(caplog):
    caplog.set_level(logging.ERROR)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def answers(calls) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


@pytest.mark.parametrize("who", [ADMIN, JAN], ids=["admin", "linked contact"])
async def test_malformed_button_data_is_refused(bot, services, data, who, no_errors):
    before = await snapshot_db(services)
    for forged in MALFORMED:
        calls = await bot.click(who, forged)
        check_sane(calls)
        assert answers(calls) == [NOT_VALID], (forged, texts(calls))
        assert [c.method for c in calls] == ["answerCallbackQuery"], forged
    assert await snapshot_db(services) == before


async def test_empty_data_does_not_retry_failures(bot, services, clock, data, no_errors):
    async with services.sessions.begin() as session:
        session.add(OutboxMessage(key="x", recipient="a@example.org", kind="digest",
                                  content=OutboxBody(body="b"),
                                  status="failed", next_attempt_at=clock.now(),
                                  created_at=clock.now()))
    calls = await bot.click(ADMIN, "")
    assert answers(calls) == [NOT_VALID] and "queued again" not in texts(calls)
    assert await count(services, OutboxMessage, OutboxMessage.status == "failed") == 1
    assert "1 message queued again" in texts(await bot.click(ADMIN, "outbox:retry"))


def test_every_button_row_has_a_strict_pattern():
    for button in BUTTONS:
        assert button.pattern.startswith(f"{button.prefix}:"), button.prefix
        assert not button.pattern.startswith("^") and not button.pattern.endswith("$")
        compiled = re.compile(button.pattern, re.ASCII)
        assert compiled.fullmatch(f"{button.prefix}:") is None, button.prefix


async def test_a_card_in_a_group_answers_only_its_owner(bot, services, data, no_errors):
    calls = await bot.send(JAN, f"/meeting {data.summit}", chat_id=GROUP_CHAT)
    buttons = [b for c in calls for b in c.buttons]
    assert buttons and all(d.endswith(f":{JAN['id']}") for _, d in buttons), buttons
    yes = next(d for _, d in buttons if ":yes:" in d)
    # Ana presses Jan's card: refused, nothing saved, the card untouched.
    calls = await bot.click(ANA, yes, chat_id=GROUP_CHAT)
    assert answers(calls) == [NOT_YOURS]
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert await count(services, Attendance) == 0
    # Jan presses his own card: saved, and the card keeps naming him.
    calls = await bot.click(JAN, yes, chat_id=GROUP_CHAT)
    assert answers(calls)[0].startswith("Saved:")
    edited = [b for c in calls if c.method == "editMessageReplyMarkup" for b in c.buttons]
    assert edited and all(d.endswith(f":{JAN['id']}") for _, d in edited)
    assert await count(services, Attendance) == 1


async def test_private_cards_carry_no_owner_and_paging_checks_it(bot, data, no_errors):
    calls = await bot.send(JAN, f"/meeting {data.summit}")
    assert all(d.count(":") == 2 for c in calls for _, d in c.buttons)
    calls = await bot.click(ANA, f"pg:1:0:{JAN['id']}", chat_id=GROUP_CHAT)
    assert answers(calls) == [NOT_YOURS]
    calls = await bot.click(JAN, f"pg:1:0:{JAN['id']}", chat_id=GROUP_CHAT)
    assert answers(calls) == ["This list has expired; please send the command again."]


def test_a_button_row_without_a_full_pattern_is_not_registered():
    from handlers.commands import Button
    from handlers.registry import button_handler, invalid_button

    with pytest.raises(ValueError, match="needs a full pattern"):
        button_handler(Button("new", invalid_button, None))
    handler = button_handler(Button("new", invalid_button, None, r"new:([0-9]{1,3})"))
    assert handler.pattern("new:12") and not handler.pattern("new:12 ")
    assert not handler.pattern("new:١٢")  # digits are ASCII digits only
