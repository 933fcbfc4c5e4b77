"""Action items: lists, details, /done and /note by owners and administrators, /addaction."""

from datetime import date

from sqlmodel import select

from storage.models import ActionItem, ActionNote
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    DELEGATE,
    JAN,
    LIISA,
    ask,
    audits,
    data_fixture,  # noqa: F401
)


async def item(services, action_id):
    async with services.sessions() as session:
        return await session.get(ActionItem, action_id)


async def test_actions_open_by_default_sorted_by_due_date(bot, data):
    text = await ask(bot, ANA, "/actions")
    assert "<b>Open action items</b> (3)" in text
    assert text.index("Feasibility study") < text.index("Global Forum report") < \
        text.index("Pilot on measuring")
    assert "background paper" not in text  # done


async def test_actions_filters(bot, data):
    overdue = await ask(bot, ANA, "/actions overdue")
    assert "Feasibility study" in overdue and "OVERDUE" in overdue and "Pilot" not in overdue
    assert "background paper" in await ask(bot, ANA, "/actions all")
    mine = await ask(bot, LIISA, "/actions mine")
    assert "Your open action items" in mine and "Pilot on measuring" in mine
    assert "Feasibility" not in mine
    finland = await ask(bot, ANA, "/actions Finlande")
    assert "Open action items for Finland" in finland and "Pilot" in finland
    assert "I know no member called" in await ask(bot, ANA, "/actions Atlantis")


async def test_actions_need_a_linked_account(bot, data):
    assert "/link" in await ask(bot, DELEGATE, "/actions")
    assert "/link" in await ask(bot, DELEGATE, "/action 1")


async def test_action_details_with_notes(bot, data):
    await ask(bot, LIISA, f"/note {data.pilot} terms of reference agreed with IOM")
    text = await ask(bot, ANA, f"/action {data.pilot}")
    assert "Pilot on measuring" in text and "in progress" in text
    assert "Liisa Virtanen: terms of reference agreed with IOM" in text
    assert "There is no action item number 99" in await ask(bot, ANA, "/action 99")


async def test_done_by_the_owners_contact(bot, services, data):
    text = await ask(bot, LIISA, f"/done {data.pilot} pilot report sent")
    assert f"Action item {data.pilot} is done" in text
    done = await item(services, data.pilot)
    assert done.status == "done" and done.done_at is not None
    async with services.sessions() as session:
        notes = (await session.exec(select(ActionNote))).all()
    assert [(n.author, n.text) for n in notes] == [("Liisa Virtanen", "pilot report sent")]
    entry = (await audits(services, "action.done"))[-1]
    assert entry.before["status"] == "open" and entry.after["status"] == "done"
    assert entry.actor == str(LIISA["id"])
    assert "already done" in await ask(bot, LIISA, f"/done {data.pilot}")


async def test_done_and_note_refused_to_other_members_contacts(bot, services, data):
    text = await ask(bot, ANA, f"/done {data.pilot}")
    assert "Only contacts of Finland and administrators" in text
    assert "Only contacts of Finland" in await ask(bot, JAN, f"/note {data.pilot} hello")
    assert (await item(services, data.pilot)).status == "open"
    assert await audits(services, "action.done") == []


async def test_admin_may_close_any_action(bot, services, data):
    await ask(bot, ADMIN, f"/done {data.study}")
    assert (await item(services, data.study)).status == "done"


async def test_note_needs_text(bot, data):
    assert "The note is missing" in await ask(bot, LIISA, f"/note {data.pilot}")
    assert "is not a valid action item number" in await ask(bot, LIISA, "/note one two")


async def test_addaction(bot, services, data):
    text = await ask(bot, ADMIN, "/addaction BD 2007-12-31 Feasibility study, second phase")
    assert "Added action item 5: Feasibility study, second phase, due 31 Dec 2007" in text
    added = await item(services, 5)
    assert added.due_date == date(2007, 12, 31) and added.status == "open"
    assert (await audits(services, "action.add"))[-1].subject == "5 BD"
    assert "is not a date" in await ask(bot, ADMIN, "/addaction BD 31/12/2007 Study")
    assert "I know no member called “XX”" in await ask(bot, ADMIN, "/addaction XX 2007-12-31 S")
    assert await item(services, 6) is None
