"""Plain questions: the intent table (50+ phrasings) and the same answers as the commands."""

from datetime import date

import pytest

from handlers.intents import Intent, interpret
from tests.fixtures_bot import (
    ANA,
    DELEGATE,
    GROUP_CHAT,
    JAN,
    LIISA,
    ask,
    data_fixture,  # noqa: F401
)

TODAY = date(2007, 7, 2)

PHRASINGS = [
    # the next meeting
    ("When is the next steering group meeting?", Intent("next", kind="steering")),
    ("next steering meeting", Intent("next", kind="steering")),
    ("When do we meet next?", Intent("next")),
    ("when is the next meeting", Intent("next")),
    ("What's next?", Intent("next")),
    ("next meeting please", Intent("next")),
    ("When is the next troika call?", Intent("next", kind="troika")),
    ("upcoming meeting", Intent("next")),
    ("when is the summit", Intent("next")),
    ("Next metting?", Intent("next")),  # typo
    # meetings
    ("meetings in July", Intent("meetings", month=(2007, 7))),
    ("Meetings in august", Intent("meetings", month=(2007, 8))),
    ("what meetings are there in March?", Intent("meetings", month=(2008, 3))),
    ("any meetings next month", Intent("meetings", month=(2007, 8))),
    ("meetings this month", Intent("meetings", month=(2007, 7))),
    ("calendar", Intent("meetings")),
    ("show me the schedule", Intent("meetings")),
    ("réunions en juillet", Intent("meetings", month=(2007, 7))),
    ("reuniones en octubre", Intent("meetings", month=(2007, 10))),
    ("upcoming meetings", Intent("meetings")),
    # focal points
    ("who is the focal point for Mexico?", Intent("focal", subject="mexico")),
    ("Who is the focal point of Belgium", Intent("focal", subject="belgium")),
    ("focal point Belgique", Intent("focal", subject="belgique")),
    ("Mexico's focal point?", Intent("focal", subject="mexico")),
    ("focla point for the Philippines", Intent("focal", subject="philippines")),
    ("Who represents Finland?", Intent("focal", subject="finland")),
    ("who should I contact for Bangladesh", Intent("focal", subject="bangladesh")),
    ("contact person in Ghana", Intent("focal", subject="ghana")),
    ("Point focal du Mexique", Intent("focal", subject="mexique")),
    ("who is the focal point?", Intent("focal")),
    # actions
    ("what is overdue for Belgium?", Intent("actions", subject="belgium", which="overdue")),
    ("What's overdue?", Intent("actions", which="overdue")),
    ("is anything late?", Intent("actions", which="overdue")),
    ("Is Bangladesh behind?", Intent("actions", subject="bangladesh", which="overdue")),
    ("open actions for Finland", Intent("actions", subject="finland")),
    ("Bangladesh actions", Intent("actions", subject="bangladesh")),
    ("tasks for the Philippines", Intent("actions", subject="philippines")),
    ("what are my actions", Intent("actions", mine=True)),
    ("what do I have to do?", Intent("actions", mine=True)),
    ("my overdue tasks", Intent("actions", mine=True, which="overdue")),
    ("pending action items", Intent("actions")),
    ("what is ovredue for Finland", Intent("actions", subject="finland", which="overdue")),
    # troika and steering group
    ("who is in the troika?", Intent("troika")),
    ("Who chairs the Forum?", Intent("troika")),
    ("who is the chair in office", Intent("troika")),
    ("troika", Intent("troika")),
    ("who is on the steering group?", Intent("steering")),
    ("steering group members", Intent("steering")),
    ("which countries are in the steering group", Intent("steering")),
    # members
    ("list the members", Intent("members")),
    ("which countries are members", Intent("members")),
    ("members in Africa", Intent("members", region="African")),
    ("who is in the Asia-Pacific group", Intent("members", region="Asia-Pacific")),
    ("GRULAC members", Intent("members", region="Latin American and Caribbean")),
    # the rest
    ("who am I?", Intent("whoami")),
    ("help", Intent("help")),
    ("what can you do?", Intent("help")),
    ("hello", Intent("unknown")),
    ("what's the weather like", Intent("unknown")),
    ("🎉🎉", Intent("unknown")),
]


def test_enough_phrasings():
    assert len(PHRASINGS) >= 40


@pytest.mark.parametrize("question,expected", PHRASINGS, ids=[q for q, _ in PHRASINGS])
def test_phrasing(question, expected):
    assert interpret(question, TODAY) == expected


def test_months_already_past_mean_next_year():
    assert interpret("meetings in June", TODAY).month == (2008, 6)
    assert interpret("meetings in January", date(2007, 12, 5)).month == (2008, 1)
    assert interpret("meetings next month", date(2007, 12, 5)).month == (2008, 1)


async def test_same_answer_as_the_command(bot, data):
    pairs = [
        ("who is the focal point for Mexico?", "/focal Mexico"),
        ("what is overdue for Belgium?", "/actions overdue"),  # Belgium has none overdue
        ("who is in the troika?", "/troika"),
        ("who is on the steering group?", "/steering"),
        ("members in Africa", "/members African"),
        ("when is the next steering group meeting?", "/next"),
        ("what are my actions", "/actions mine"),
    ]
    for question, command in pairs:
        answer = await ask(bot, LIISA, question)
        expected = await ask(bot, LIISA, command)
        if "Belgium" in question:
            assert "Overdue action items for Belgium</b>: none." in answer
            assert "Feasibility study" in expected
        else:
            assert answer == expected, question


async def test_meetings_in_a_month(bot, data):
    text = await ask(bot, ANA, "meetings in July")
    assert "Meetings in July 2007" in text
    assert "Steering group" in text and "Global Forum" in text and "Troika call" in text
    assert "June" not in text
    assert "None." in await ask(bot, ANA, "meetings in September")


async def test_overdue_for_a_member_by_name(bot, data):
    text = await ask(bot, JAN, "what is overdue for Bangladesh?")
    assert "Overdue action items for Bangladesh" in text and "Feasibility study" in text


async def test_unknown_question_suggests_commands(bot, data):
    text = await ask(bot, JAN, "hello there")
    assert "I did not understand that" in text and "/help" in text
    assert "who is the focal point for Mexico?" in text


async def test_delegates_get_public_answers_only(bot, data):
    assert "Chair in office: Belgium" in await ask(bot, DELEGATE, "who is in the troika?")
    assert "/link" in await ask(bot, DELEGATE, "who is the focal point for Mexico?")
    assert "Steering group" in await ask(bot, DELEGATE, "when is the next steering meeting")


async def test_no_plain_questions_in_groups(bot, data):
    assert await ask(bot, JAN, "who is the focal point for Mexico?", chat_id=GROUP_CHAT) == ""


async def test_long_messages(bot, data):
    assert "short question" in await ask(bot, JAN, "who " * 300)
