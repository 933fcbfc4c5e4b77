"""Safe hands for administrators (issue 8): /digest asks before mailing everybody, past due
dates are accepted as overdue, guided forms check each answer at its own step, and overdue
notices say when the item was due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.mail.operator import digest_cli
from bot.mail.reminders import sweep
from handlers.mail_admin import ASK_LIFETIME
from storage.audit import AuditAction
from storage.models import ActionItem, Channel, Meeting, Person
from tests.conftest import ADMIN, ADMIN_ID, STRANGER
from tests.fixtures_bot import JAN, audits, check_sane, snapshot_db, texts
from tests.fixtures_bot import seed as seed_bot
from tests.mail_fixtures import EMAILS, JOSE_TELEGRAM, parsed, rows, seed

USAGE = "Use: <code>/digest [preview]</code>"


def _sent(calls):
    return [c for c in calls if c.method == "sendMessage"]


def _answers(calls):
    return [c.text for c in calls if c.method == "answerCallbackQuery"]


async def _ask_digest(bot) -> tuple[str, str, str]:
    """/digest: the question, and the data of its Send and Cancel buttons."""
    calls = await bot.send(ADMIN, "/digest")
    check_sane(calls)
    [question] = _sent(calls)
    [(send_label, send), (cancel_label, cancel)] = question.buttons
    assert (send_label, cancel_label) == ("Send", "Cancel")
    return question.text, send, cancel


# ---------------------------------------------------------------------------------------------
# 1. Mass sends are confirmed


@pytest.mark.parametrize("argument", ["preveiw", "foo", "preview now", "<b>now</b>", "send"])
async def test_an_unknown_digest_argument_is_refused_and_queues_nothing(bot, services, argument):
    await seed(services)
    calls = await bot.send(ADMIN, f"/digest {argument}")
    check_sane(calls)
    [refusal] = _sent(calls)
    sentence, usage = refusal.text.split("\n", 1)
    assert sentence.startswith("/digest takes nothing or “preview”, not “")
    assert sentence.count(".") == 1 and "<b>" not in sentence
    assert usage.startswith(USAGE)
    assert refusal.buttons == []
    assert await rows(services) == []
    assert await audits(services, AuditAction.DIGEST_RUN) == []


async def test_digest_asks_first_and_only_the_confirmation_queues(bot, services, clock):
    sample = await seed(services)
    question, send, cancel = await _ask_digest(bot)
    assert question == "6 recipients; send now?"
    assert send.startswith("dig:send:") and cancel.startswith("dig:no:")
    assert await rows(services) == []  # asking queues nothing
    calls = await bot.click(ADMIN, send)
    check_sane(calls)
    assert _answers(calls) == ["Queued."]
    assert "Digest: 6 recipient(s): 6 queued" in texts(calls)
    queued = await rows(services, "digest:")
    assert {r.recipient for r in queued} == set(EMAILS.values())
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["anne"])).last_digest_at == clock.now()
    # Pressing again, or Cancel afterwards, does nothing more and says so.
    for again in (send, cancel):
        calls = await bot.click(ADMIN, again)
        assert _answers(calls) == ["This digest was already queued; nothing more was sent."]
        assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert len(await rows(services)) == 6
    assert len(await audits(services, AuditAction.DIGEST_RUN)) == 1


async def test_the_question_says_who_else_gets_nothing(bot, services):
    sample = await seed(services)
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["maria"])).digest = "off"
    question, _, _ = await _ask_digest(bot)
    assert question == "5 recipients; send now?\n6 recipient(s): 5 would queue, 1 digest off"


async def test_cancel_queues_nothing_and_the_buttons_then_do_nothing(bot, services):
    await seed(services)
    _, send, cancel = await _ask_digest(bot)
    calls = await bot.click(ADMIN, cancel)
    assert _answers(calls) == ["Cancelled."]
    assert "Cancelled: no digest was queued." in texts(calls)
    for again in (send, cancel):
        calls = await bot.click(ADMIN, again)
        assert _answers(calls) == [
            "This digest was cancelled; nothing was queued. Send /digest to ask again."]
    assert await rows(services) == []
    assert await audits(services, AuditAction.DIGEST_RUN) == []


async def test_each_confirmation_is_its_own(bot, services):
    await seed(services)
    _, first_send, first_cancel = await _ask_digest(bot)
    _, second_send, _ = await _ask_digest(bot)
    assert first_send != second_send
    await bot.click(ADMIN, first_cancel)
    await bot.click(ADMIN, second_send)
    assert len(await rows(services, "digest:")) == 6
    # Nothing is left to send today: /digest says so, without buttons.
    [answer] = _sent(await bot.send(ADMIN, "/digest"))
    assert answer.text.startswith("There is no digest to send now (6 recipient(s): "
                                  "6 already sent today)")
    assert answer.buttons == []


async def test_an_old_or_forged_confirmation_does_nothing(bot, services, clock):
    await seed(services)
    _, send, _ = await _ask_digest(bot)
    number = send.rsplit(":", 1)[1]
    calls = await bot.click(ADMIN, "dig:send:999")  # well-formed, but never asked
    assert _answers(calls) == ["This confirmation has expired; send /digest again."]
    for forged in ["dig:send:", "dig:send", "dig:", f"dig:send:{number}:x",
                   f"dig:go:{number}", f"dig:send:-{number}", f"dig:send: {number}",
                   "dig:send:99999999999999999999"]:  # malformed: the registry's pattern refuses
        calls = await bot.click(ADMIN, forged)
        check_sane(calls)
        assert _answers(calls) == ["This button is no longer valid."], forged
    clock.advance(ASK_LIFETIME + timedelta(seconds=1))
    calls = await bot.click(ADMIN, send)
    assert _answers(calls) == ["This confirmation has expired; send /digest again."]
    assert await rows(services) == []


@pytest.mark.parametrize("who", [STRANGER, JAN], ids=["stranger", "linked contact"])
async def test_only_administrators_may_press_send(bot, services, who):
    await seed(services)
    _, send, _ = await _ask_digest(bot)
    before = await snapshot_db(services)
    calls = await bot.click(who, send)
    assert _answers(calls) == ["Sorry, only administrators of the support structure may do this."]
    assert await snapshot_db(services) == before
    [denied] = await audits(services, AuditAction.DENIED)
    assert denied.subject == "digest" and denied.after == {"attempted": send}
    # The administrator's own confirmation still works afterwards.
    await bot.click(ADMIN, send)
    assert len(await rows(services, "digest:")) == 6


async def test_digest_preview_goes_to_the_asking_administrator_only(bot, services):
    sample = await seed(services)
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["mikko"])).telegram_id = ADMIN_ID
    [answer] = _sent(await bot.send(ADMIN, "/digest Preview"))
    assert f"A preview of the digest went to {EMAILS['mikko']} only" in answer.text
    assert answer.buttons == []
    assert [(r.kind, r.recipient) for r in await rows(services)] == [
        ("preview", EMAILS["mikko"])]
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["mikko"])).last_digest_at is None


async def test_cli_dry_run_shows_the_counts(services, settings, capsys):
    await seed(services)
    assert await digest_cli(settings, dry_run=True, to=None) == 0
    out = capsys.readouterr().out.splitlines()
    listed = [line for line in out if line.startswith("  ")]
    assert len(listed) == 6 and {e for e in EMAILS.values() if any(e in li for li in listed)} \
        == set(EMAILS.values())
    # The CLI runs on the real clock, so how many have news varies; the counts match the lines.
    would = sum(1 for line in listed if line.strip().startswith("would queue"))
    empty = sum(1 for line in listed if line.strip().startswith("nothing to report"))
    assert would >= 1 and would + empty == 6
    counts = [f"{n} {what}" for n, what in ((would, "would queue"), (empty, "nothing to report"))
              if n]
    assert out[-2] == f"digest: 6 recipient(s): {', '.join(counts)}"
    assert out[-1] == "dry run: nothing was queued or sent"
    assert await rows(services) == []


# ---------------------------------------------------------------------------------------------
# 2. Past due dates are allowed


async def _item(services, title: str) -> ActionItem | None:
    async with services.sessions() as session:
        return (await session.exec(select(ActionItem).where(ActionItem.title == title))).first()


async def test_a_past_due_date_is_recorded_as_overdue(bot, services):
    await seed_bot(services)
    calls = await bot.send(ADMIN, "/addaction FI 2007-06-15 Minutes of the June meeting")
    check_sane(calls)
    assert texts(calls) == ("Recorded action item 5: Minutes of the June meeting; it was due on "
                            "15 June 2007, so it is already overdue.")
    item = await _item(services, "Minutes of the June meeting")
    assert item.due_date == date(2007, 6, 15) and item.status == "open"
    assert (await audits(services, AuditAction.ACTION_ADD))[-1].subject == "5 FI"
    # ...and it is treated as any overdue item.
    overdue = texts(await bot.send(ADMIN, "/actions overdue"))
    assert "Minutes of the June meeting — Finland (FI), open, <b>OVERDUE</b>: was due on " \
           "Friday 15 June (17 days ago)" in overdue
    # Today and later are not overdue.
    text = texts(await bot.send(ADMIN, "/addaction FI 2007-07-02 Due today"))
    assert text == "Added action item 6: Due today, due 2 Jul 2007."


async def test_a_late_action_gets_the_overdue_notice(bot, services, clock):
    await seed(services)
    await bot.send(ADMIN, "/addaction PH 2007-06-29 Country report for the Forum")
    item = await _item(services, "Country report for the Forum")
    await sweep(services, clock.now())
    notices = [r for r in await rows(services) if f"action:{item.id}:overdue:" in r.key]
    telegram = [r for r in notices if r.channel == Channel.TELEGRAM]
    email = [r for r in notices if r.channel == Channel.EMAIL]
    assert [r.recipient for r in telegram] == [str(JOSE_TELEGRAM)]
    assert [r.recipient for r in email] == [EMAILS["jose"]]
    # 2 July 07:00 UTC is 15:00 in Manila: three days after 29 June.
    assert "It was due on Friday 29 June (3 days ago)." in telegram[0].body
    mail = parsed(email[0].body.encode()).get_body(("plain",)).get_content()
    assert "was due on Friday 29 June (3 days ago)" in " ".join(mail.split())
    assert "yesterday" not in mail and "yesterday" not in telegram[0].body


async def test_overdue_notice_counts_on_the_readers_calendar(services, clock):
    sample = await seed(services)  # the study was due 30 June
    clock.set(clock.now().replace(hour=20))  # Tuesday already in Dhaka (02:00), not in Mexico
    await sweep(services, clock.now())
    by_recipient = {r.recipient: r for r in await rows(services, f"action:{sample.study}:")}
    rahim = parsed(by_recipient[EMAILS["rahim"]].body.encode())
    text = " ".join(rahim.get_body(("plain",)).get_content().split())
    assert "was due on Saturday 30 June (3 days ago)" in text
    html = rahim.get_body(("html",)).get_content()
    assert "was due on Saturday 30 June (3 days ago)" in html


# ---------------------------------------------------------------------------------------------
# Guided forms check each answer at its own step


async def test_action_form_rechecks_the_date_step_and_keeps_earlier_answers(bot, services):
    await seed_bot(services)
    await bot.send(ADMIN, "/addaction")
    assert "(2/3) When is it due?" in texts(await bot.send(ADMIN, "FI"))
    text = texts(await bot.send(ADMIN, "2007-02-30"))
    assert text == "30 February 2007 does not exist. Please try again, or send /cancel."
    assert "The year must be between 2000 and 2100." in texts(await bot.send(ADMIN, "1907-06-15"))
    text = texts(await bot.send(ADMIN, "2007-06-15"))  # in the past: accepted at once
    assert "(3/3) What is to be done?" in text
    text = texts(await bot.send(ADMIN, "Minutes of the June meeting"))
    assert "it was due on 15 June 2007, so it is already overdue" in text
    item = await _item(services, "Minutes of the June meeting")
    async with services.sessions() as session:
        from storage.models import Member

        member = await session.get(Member, item.member_id)
    assert member.code == "FI"  # the first answer survived the bad dates


@pytest.mark.parametrize("written, problem", [
    ("1999-10-02 10:00", "The year must be between 2000 and 2100."),
    ("2101-10-02 10:00", "The year must be between 2000 and 2100."),
    ("2007-02-30 10:00", "30 February 2007 does not exist."),
    ("2007-10-02 24:00", "“24:00” is not a time written HH:MM, e.g. 09:30."),
    ("2007-06-01 10:00", "2007-06-01 10:00 has already passed."),
])
async def test_meeting_form_refuses_a_bad_start_at_the_date_step(bot, services, written,
                                                                  problem):
    await seed_bot(services)
    await bot.send(ADMIN, "/addmeeting")
    text = texts(await bot.send(ADMIN, written))
    assert text == f"{problem} Please try again, or send /cancel."
    assert "(2/7) In which time zone?" in texts(await bot.send(ADMIN, "2007-10-02 10:00"))


async def test_meeting_form_asks_the_start_again_when_it_passed_in_that_zone(bot, services):
    await seed_bot(services)
    await bot.send(ADMIN, "/addmeeting")
    await bot.send(ADMIN, "2007-07-02 08:30")  # 06:30 UTC in Brussels: passed; not in Mexico
    text = texts(await bot.click(ADMIN, "form:Europe/Brussels"))
    assert "2007-07-02 08:30 has already passed in Europe/Brussels." in text
    assert "(1/7) When does it start?" in text
    await bot.send(ADMIN, "2007-07-02 18:00")
    assert "(3/7) When does it end?" in texts(await bot.click(ADMIN, "form:Europe/Brussels"))
    async with services.sessions() as session:
        assert len((await session.exec(select(Meeting))).all()) == 4
