"""Operators: `fof-bot digest`, `fof-bot outbox`, and /digest, /outbox in Telegram."""

from __future__ import annotations

import io

from bot.mail.delivery import deliver_due
from bot.mail.operator import Progress, digest_cli, outbox_cli
from bot.mail.outcomes import Outcome, Result
from bot.mail.reminders import sweep
from storage.models import OutboxStatus, Person
from storage.outbox import OutboxRow
from tests.conftest import ADMIN, ADMIN_ID, STRANGER
from tests.mail_fixtures import EMAILS, parsed, rows, seed


async def test_digest_cli_dry_run_then_send(services, settings, mail_sink, capsys):
    await seed(services)  # the CLI uses the real clock: 2007's meetings are long past
    assert await digest_cli(settings, dry_run=True, to=None) == 0
    out = capsys.readouterr().out
    assert "would queue" in out and EMAILS["rahim"] in out and "dry run" in out
    assert await rows(services) == [] and mail_sink.received == []
    assert await digest_cli(settings, dry_run=False, to=None) == 0
    out = capsys.readouterr().out
    assert "delivery: " in out and " sent, 0 to retry later, 0 failed" in out
    assert {r[0] for _, r, _ in mail_sink.received} >= {EMAILS["rahim"], EMAILS["mikko"]}
    # the study and the pilot are overdue by now
    rahim = next(parsed(raw) for _, r, raw in mail_sink.received if r == [EMAILS["rahim"]])
    assert "OVERDUE Feasibility study" in rahim.get_body(("plain",)).get_content()


async def test_digest_cli_to_one_address(services, settings, mail_sink, capsys):
    await seed(services)
    assert await digest_cli(settings, dry_run=False, to=EMAILS["maria"]) == 0
    assert [r for _, r, _ in mail_sink.received] == [[EMAILS["maria"]]]
    assert await digest_cli(settings, dry_run=True, to="nobody@example.org") == 1
    assert "no digest for this address" in capsys.readouterr().err


async def test_outbox_cli_lists_counts_and_failures(services, settings, mail_sink, clock,
                                                    capsys):
    sample = await seed(services, invited=True)  # the invitations went out a month ago
    await sweep(services, clock.now())
    mail_sink.fail_rcpt[EMAILS["maria"]] = "550 5.1.1 No such user"
    await deliver_due(services, clock.now())
    assert await outbox_cli(settings) == 0
    out = capsys.readouterr().out
    # the Telegram copies stay pending: the CLI has no bot to send them with
    assert f"Outbox: 2 pending, {9 + sample.invitations} sent, 1 failed, 0 superseded" in out
    assert "Oldest pending: reminder to 5001" in out
    assert f"to {EMAILS['maria']} after 1 attempt(s): 550 5.1.1 No such user" in out


def test_progress_bar_draws_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    row = OutboxRow(1, "k", "email", "a@example.org", None, "test", "", 0, None)  # type: ignore
    screen = Terminal()
    bar = Progress(4, "digest", screen, width=8)
    for outcome in (Outcome.SENT, Outcome.SENT, Outcome.TEMPORARY, Outcome.PERMANENT):
        bar.step(row, Result(outcome))
    bar.close()
    assert screen.getvalue().splitlines()[-1].split("\r")[-1] == \
        "digest [########] 4/4  sent 2  retry 1  failed 1"
    pipe = io.StringIO()
    quiet = Progress(4, "digest", pipe)
    quiet.step(row, Result(Outcome.SENT))
    quiet.close()
    assert pipe.getvalue() == ""


async def test_outbox_command_shows_failures_and_retries_them(services, bot, mail_sink, clock):
    await seed(services)
    await sweep(services, clock.now())
    mail_sink.fail_rcpt[EMAILS["rahim"]] = "550 5.1.1 No such user"
    await deliver_due(services, clock.now())
    [answer] = [c for c in await bot.send(ADMIN, "/outbox") if c.method == "sendMessage"]
    assert "Failures (2):" in answer.text and "550 5.1.1 No such user" in answer.text
    assert answer.buttons == [("Retry failures", "outbox:retry")]
    # a stranger may not press it
    await bot.click(STRANGER, "outbox:retry")
    assert len([r for r in await rows(services) if r.status == OutboxStatus.FAILED]) == 2
    calls = await bot.click(ADMIN, "outbox:retry")
    assert "2 failed messages are queued again" in bot.texts(calls)[-1]
    assert [c.method for c in calls if c.method == "editMessageReplyMarkup"]
    assert not [r for r in await rows(services) if r.status == OutboxStatus.FAILED]
    del mail_sink.fail_rcpt[EMAILS["rahim"]]
    report = await deliver_due(services, clock.now())
    assert report.sent == 2


async def test_outbox_command_is_for_admins_only(services, bot):
    calls = await bot.send(STRANGER, "/outbox")
    assert "only administrators" in calls[0].text


async def test_digest_preview_goes_to_the_asking_admin_only(services, bot, mail_sink, clock):
    sample = await seed(services)
    async with services.sessions.begin() as session:
        (await session.get(Person, sample.people["anne"])).telegram_id = ADMIN_ID
    [answer] = [c for c in await bot.send(ADMIN, "/digest preview")
                if c.method == "sendMessage"]
    # Anne writes French: the preview's report is in French
    assert f"Un aperçu du résumé a été envoyé à {EMAILS['anne']} uniquement" in answer.text
    preview = await rows(services)
    assert [(r.kind, r.recipient) for r in preview] == [("preview", EMAILS["anne"])]
    [ask] = [c for c in await bot.send(ADMIN, "/digest") if c.method == "sendMessage"]
    await bot.click(ADMIN, ask.buttons[0][1])  # Send
    assert len(await rows(services, "digest:")) == 6
    async with services.sessions() as session:
        assert (await session.get(Person, sample.people["anne"])).last_digest_at == clock.now()


async def test_digest_preview_for_an_unlinked_admin_is_shown_in_telegram(services, bot):
    await seed(services)
    [answer] = [c for c in await bot.send(ADMIN, "/digest preview")
                if c.method == "sendMessage"]
    # Anne's digest, in her language (French)
    assert "<pre>" in answer.text and "RÉUNIONS DES QUATRE PROCHAINES SEMAINES" in answer.text
    assert await rows(services) == []
