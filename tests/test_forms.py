"""Guided forms: one question at a time, buttons for choices, /cancel, the same result as the
command with arguments."""

from sqlmodel import select

from storage.models import ActionItem, Meeting, Member, Person
from tests.fixtures_bot import (
    ADMIN,
    JAN,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    texts,
)


async def test_addmeeting_form_with_buttons(bot, services, data):
    text = await ask(bot, ADMIN, "/addmeeting")
    assert "(1/7) When does it start?" in text
    assert "is not a date and time written YYYY-MM-DD HH:MM" in \
        await ask(bot, ADMIN, "next tuesday")
    calls = await bot.send(ADMIN, "2007-10-02 10:00")
    assert "(2/7) In which time zone?" in texts(calls)
    assert ("Manila", "form:Manila") in calls[0].buttons
    calls = await bot.click(ADMIN, "form:Manila")
    check_sane(calls)
    assert "(3/7) When does it end?" in texts(calls)
    calls = await bot.click(ADMIN, "form:skip")
    assert "(4/7) What is the title?" in texts(calls)
    await bot.send(ADMIN, "Steering group | Manila")  # a “|” in a title is refused...
    assert "(4/7)" not in texts(await bot.send(ADMIN, "Steering group in Manila"))  # ...moved on
    calls = await bot.send(ADMIN, "Philippine International Convention Center")
    assert ("steering group", "form:steering") in calls[0].buttons  # the label, the value
    await bot.click(ADMIN, "form:steering")
    calls = await bot.click(ADMIN, "form:skip")  # no agenda
    assert "Scheduled" in texts(calls) and "Tue 2 Oct 2007, 10:00 – 12:00 (Manila)" in \
        texts(calls)
    async with services.sessions() as session:
        meeting = (await session.exec(select(Meeting).where(
            Meeting.title == "Steering group in Manila"))).one()
    assert meeting.audience == "steering" and meeting.location.startswith("Philippine")
    assert (await audits(services, "meeting.add"))[-1].actor == str(ADMIN["id"])
    # The form is over: plain text is a question again.
    assert "I did not understand" in await ask(bot, ADMIN, "Asia/Manila")


async def test_cancel_stops_the_form(bot, services, data):
    await ask(bot, ADMIN, "/addmember")
    await ask(bot, ADMIN, "SN")
    assert "Stopped; nothing was changed" in await ask(bot, ADMIN, "/cancel")
    assert "nothing to cancel" in await ask(bot, ADMIN, "/cancel")
    assert "I did not understand" in await ask(bot, ADMIN, "Senegal")
    async with services.sessions() as session:
        assert (await session.exec(select(Member).where(Member.code == "SN"))).first() is None


async def test_addmember_and_addaction_forms(bot, services, data):
    await ask(bot, ADMIN, "/addmember")
    assert "is not a member code" in await ask(bot, ADMIN, "S")
    await ask(bot, ADMIN, "sn")
    assert "Added Senegal (SN): state, African States." in await ask(bot, ADMIN, "Senegal")
    await ask(bot, ADMIN, "/addaction")
    await ask(bot, ADMIN, "SN")
    assert "is not a date" in await ask(bot, ADMIN, "31 December")
    await ask(bot, ADMIN, "2007-12-31")
    text = await ask(bot, ADMIN, "Diaspora mapping")
    assert "Added action item 5: Diaspora mapping, due 31 Dec 2007" in text
    async with services.sessions() as session:
        assert (await session.get(ActionItem, 5)).title == "Diaspora mapping"


async def test_setfocal_form_with_skip(bot, services, data):
    await ask(bot, ADMIN, "/setfocal")
    await ask(bot, ADMIN, "GH")
    await ask(bot, ADMIN, "kofi.mensah@mfa.example.gh")
    calls = await bot.send(ADMIN, "Kofi Mensah")
    assert ("skip", "form:skip") in calls[0].buttons
    text = texts(await bot.click(ADMIN, "form:skip"))
    assert "Kofi Mensah (kofi.mensah@mfa.example.gh) is now the focal point for Ghana" in text
    async with services.sessions() as session:
        kofi = (await session.exec(select(Person).where(Person.name == "Kofi Mensah"))).one()
    assert kofi.telegram_id is None


async def test_forms_refused_to_non_admins_and_in_groups(bot, services, data):
    assert "only administrators" in await ask(bot, JAN, "/addmeeting")
    assert "I did not understand" in await ask(bot, JAN, "2007-10-02 10:00")  # no form opened
    assert "private chat" in await ask(bot, ADMIN, "/addmeeting", chat_id=-100123)
    assert (await audits(services, "denied"))[-1].subject == "addmeeting"


async def test_a_failing_finish_says_why(bot, services, data):
    await ask(bot, ADMIN, "/addmember")
    await ask(bot, ADMIN, "BE")
    assert "BE is already a member (Belgium). Nothing was changed." in \
        await ask(bot, ADMIN, "Belgium again")


async def test_command_with_arguments_skips_the_form(bot, data):
    text = await ask(bot, ADMIN, "/addmember SN Senegal")
    assert "Added Senegal" in text and "(1/2)" not in text
    assert "I did not understand" in await ask(bot, ADMIN, "hello")
