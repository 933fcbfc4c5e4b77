"""Long lists read one page from the database: /actions at 10,000 items and /meetings at 500
load only the page shown, and the page buttons read the page they ask for."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from bot.offline import ApiCall
from bot.ops.actions import PAGE_SIZE as ACTIONS_PER_PAGE
from bot.ops.calendar import PAGE_SIZE as MEETINGS_PER_PAGE
from handlers.common import EXPIRED, KEPT_LISTS, fit_line, page_text
from tests.bench import un_scale
from tests.fixtures_bot import ADMIN, DELEGATE, GROUP_CHAT, check_sane

ACTION_ID = re.compile(r"<b>#(\d+)</b> Action item number")
MEETING_ID = re.compile(r"<b>#(\d+)</b> Meeting")


@contextmanager
def statements_run(services):
    """Every SQL statement run meanwhile, through sessions or the quick reads."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engines = [services.engine.sync_engine]
    engines += [services.quick.engine] if services.quick is not None else []
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)


def ids(call: ApiCall, pattern: re.Pattern) -> list[int]:
    return [int(found) for found in pattern.findall(call.text)]


def edit_of(calls: list[ApiCall]) -> ApiCall:
    return next(c for c in calls if c.method == "editMessageText")


def answers(calls: list[ApiCall]) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


async def test_actions_at_ten_thousand_items_read_one_page(bot, services):
    await un_scale.build(services, meetings=0)
    with statements_run(services) as statements:
        calls = await bot.send(ADMIN, "/actions all")
    check_sane(calls)
    reply = calls[0]
    # The first page: the title with the whole count, PAGE_SIZE items, "1 / 500" on the button.
    assert "<b>All action items</b> (10000)" in reply.text
    first = ids(reply, ACTION_ID)
    assert len(first) == ACTIONS_PER_PAGE
    labels = [label for label, _ in reply.buttons]
    assert labels == [f"1 / {10_000 // ACTIONS_PER_PAGE}", "Next ▶"]
    # Only that page was read: the list statement is limited, and nothing else reads items.
    item_reads = [s for s in statements if "FROM actionitem" in s]
    assert len(item_reads) == 2, item_reads  # the count and the page
    assert any("count(" in s for s in item_reads)
    assert any("LIMIT" in s for s in item_reads)

    # The next page shows the next items in the same order (due first, then number).
    calls = await bot.click(ADMIN, reply.buttons[-1][1])
    check_sane(calls)
    second = ids(edit_of(calls), ACTION_ID)
    assert len(second) == ACTIONS_PER_PAGE and not set(first) & set(second)
    assert "<b>All action items</b>" not in edit_of(calls).text
    assert [label for label, _ in edit_of(calls).buttons] == ["◀ Previous", "2 / 500", "Next ▶"]
    everything = await _all_ids(services)
    assert first + second == everything[: 2 * ACTIONS_PER_PAGE]

    # The last page ends with the hint; a page past the end is answered as an expired list.
    token = reply.buttons[-1][1].split(":")[1]
    calls = await bot.click(ADMIN, f"pg:{token}:499")
    last = edit_of(calls)
    assert ids(last, ACTION_ID) == everything[-ACTIONS_PER_PAGE:]
    assert last.text.endswith("Details: /action <i>number</i>")
    assert answers(await bot.click(ADMIN, f"pg:{token}:500")) == [EXPIRED]


async def _all_ids(services) -> list[int]:
    from datetime import date

    from storage import actions
    async with services.sessions() as session:
        rows = await actions.list_actions(session, today=date(2007, 7, 2), which="all")
    return [row.id for row in rows]


async def test_a_finished_item_moves_the_pages_as_the_database_does(bot, services):
    await un_scale.build(services, actions=50, meetings=0)
    reply = (await bot.send(ADMIN, "/actions"))[0]
    first = ids(reply, ACTION_ID)
    token = reply.buttons[-1][1].split(":")[1]
    second = ids(edit_of(await bot.click(ADMIN, f"pg:{token}:1")), ACTION_ID)
    assert "is done" in (await bot.send(ADMIN, f"/done {first[0]}"))[0].text
    # The page is read when the button is pressed: the first page again, without the item done.
    calls = await bot.click(ADMIN, f"pg:{token}:0")
    assert ids(edit_of(calls), ACTION_ID) == [*first[1:], second[0]]
    assert "<b>Open action items</b> (49)" in edit_of(calls).text


async def test_meetings_at_five_hundred_read_one_page(bot, services):
    await un_scale.build(services, actions=0)
    with statements_run(services) as statements:
        calls = await bot.send(DELEGATE, "/meetings")
    check_sane(calls)
    reply = calls[0]
    first = ids(reply, MEETING_ID)
    assert len(first) == MEETINGS_PER_PAGE
    assert reply.text.startswith("<b>Upcoming meetings</b>")
    pages = -(-500 // MEETINGS_PER_PAGE)
    assert [label for label, _ in reply.buttons] == [f"1 / {pages}", "Next ▶"]
    meeting_reads = [s for s in statements if "FROM meeting" in s]
    assert len(meeting_reads) == 2 and any("LIMIT" in s for s in meeting_reads)

    calls = await bot.click(DELEGATE, reply.buttons[-1][1])
    # Meetings were written in the order they start: the numbers follow on from page to page.
    assert first == list(range(first[0], first[0] + MEETINGS_PER_PAGE))
    second = ids(edit_of(calls), MEETING_ID)
    assert second == [first[-1] + n for n in range(1, MEETINGS_PER_PAGE + 1)]
    token = reply.buttons[-1][1].split(":")[1]
    last = edit_of(await bot.click(DELEGATE, f"pg:{token}:{pages - 1}"))
    assert ids(last, MEETING_ID)[-1] == first[0] + 499
    assert last.text.endswith("Details and calendar file: /meeting <i>number</i>")
    assert [label for label, _ in last.buttons] == ["◀ Previous", f"{pages} / {pages}"]


async def test_group_pages_belong_to_who_asked_and_old_lists_expire(bot, services):
    await un_scale.build(services, actions=0, meetings=40)
    reply = (await bot.send(DELEGATE, "/meetings", GROUP_CHAT))[0]
    following = reply.buttons[-1][1]
    assert following.endswith(f":{DELEGATE['id']}")
    calls = await bot.click(ADMIN, following, chat_id=GROUP_CHAT)
    assert answers(calls) == ["This button is for the person who asked."]
    assert not [c for c in calls if c.method == "editMessageText"]
    calls = await bot.click(DELEGATE, following, chat_id=GROUP_CHAT)
    assert MEETING_ID.search(edit_of(calls).text)
    # Only the latest lists of a chat are kept: the first one's buttons now say so.
    for _ in range(KEPT_LISTS):
        await bot.send(DELEGATE, "/meetings", GROUP_CHAT)
    assert answers(await bot.click(DELEGATE, following, chat_id=GROUP_CHAT)) == [EXPIRED]


def test_a_page_of_long_lines_still_fits_in_one_message():
    line = "<b>#1</b> " + "&amp;" * 200 + " <b>OVERDUE</b>"
    text = page_text([line] * 20, limit=3500)
    assert len(text) <= 3500 and text.count("<b>") == text.count("</b>")
    assert not re.search(r"&[a-z]*…", text)
    assert fit_line("<b>#1</b> abc", 7) == "<b>#1</b>…"
    assert page_text(["short", "lines"]) == "short\nlines"


async def test_a_plain_question_about_action_items_is_paged_as_the_command(bot, services):
    await un_scale.build(services, actions=100, meetings=0)
    calls = await bot.send(ADMIN, "what is overdue?")
    check_sane(calls)
    reply = calls[0]
    assert reply.text.startswith("<b>Overdue action items</b> (")
    assert len(ids(reply, ACTION_ID)) == ACTIONS_PER_PAGE
    second = edit_of(await bot.click(ADMIN, reply.buttons[-1][1]))
    assert not set(ids(reply, ACTION_ID)) & set(ids(second, ACTION_ID))
