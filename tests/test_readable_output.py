"""Output a person reads: /audit and /admins by name and readable time, refusals counted,
import progress, a quiet `| head`, and the interactive demo's mail in its folder."""

import builtins
import logging
import re
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes, policy

from bot.cli import import_cli
from bot.demo import LINK_EXAMPLE, run_demo
from bot.offline import user
from storage.models import TelegramName
from tests.fixtures_bot import (
    ADMIN,
    ANA,
    DELEGATE,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    )

KOFI = {**user(7777, "Kofi"), "last_name": "Mensah"}  # a stranger, first and last name


async def telegram_names(services) -> dict[int, tuple[str, object]]:
    from sqlmodel import select

    async with services.sessions() as session:
        rows = (await session.exec(select(TelegramName))).all()
    return {r.telegram_id: (r.name, r.seen_at) for r in rows}


async def test_audit_reads_as_sentences_in_the_readers_zone(bot, services, data, clock):
    await ask(bot, ADMIN, "/admin add 5001")  # Ana, in Mexico City
    await ask(bot, ADMIN, f"/movemeeting {data.steering} 2007-07-06 10:00")
    text = await ask(bot, ANA, "/audit 2")
    assert "(times in America/Mexico_City)" in text
    assert ("• Mon 2 Jul 2007, 02:00: “Support” (Telegram name, 900001) moved Steering group "
            f"meeting #{data.steering} from Thu 5 Jul 2007, 07:00 to Fri 6 Jul 2007, 03:00"
            ) in text
    assert "made Ana García (5001) an administrator" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT", text) and "+00:00" not in text
    assert "meeting.move" not in text and "900001 " not in text


async def test_names_come_from_the_contact_then_telegram_then_the_id(bot, services, data):
    await ask(bot, KOFI, "/start")
    await ask(bot, ADMIN, "/admin add 7777")
    await ask(bot, ADMIN, "/admin add 8888")  # never wrote to the bot
    await ask(bot, ADMIN, "/admin add 5002")  # Jan Peeters, a linked contact
    text = await ask(bot, ADMIN, "/admins")
    assert "• “Kofi Mensah” (Telegram name, 7777), added by “Support” (Telegram name, " \
           "900001)" in text
    assert "• user 8888, added by" in text and "• Jan Peeters (5002), added by" in text
    assert "added by the configuration (FOF_ADMIN_IDS)" in text
    assert "made “Kofi Mensah” (Telegram name, 7777) an administrator" in await ask(
        bot, ADMIN, "/audit 3")


async def test_the_telegram_name_is_written_only_when_it_changes(bot, services, data, clock):
    await ask(bot, KOFI, "/start")
    first = (await telegram_names(services))[7777]
    assert first[0] == "Kofi Mensah"
    clock.advance(timedelta(hours=1))
    await ask(bot, KOFI, "/next")
    assert (await telegram_names(services))[7777] == first  # same name: no write
    clock.advance(timedelta(hours=1))
    await ask(bot, {**KOFI, "first_name": "Kwame"}, "/next")
    name, seen = (await telegram_names(services))[7777]
    assert name == "Kwame Mensah" and seen > first[1]


async def test_attendance_names_people_and_members(bot, services, data):
    await bot.click(ANA, f"att:{data.summit}:yes")
    text = await ask(bot, ADMIN, f"/attendance {data.summit}")
    assert "• Mexico — Ana García: I will attend" in text
    assert "5001" not in text


async def test_a_flood_of_refusals_is_one_counted_entry(bot, services, data, clock, caplog):
    await ask(bot, ADMIN, "/troika present MX")
    caplog.set_level(logging.WARNING, logger="bot.ops.admin")
    for _ in range(100):
        calls = await bot.send(DELEGATE, "/addmember XX Nowhere")
        check_sane(calls)
        clock.advance(timedelta(seconds=2))
    [denied] = await audits(services, "denied")
    assert denied.after["count"] == 100
    refusals = [r for r in caplog.records if "refused /addmember" in r.getMessage()]
    assert len(refusals) == 100  # each refusal is still logged
    text = await ask(bot, ADMIN, "/audit 2")
    assert ("“Stranger” (Telegram name, 900999) was refused /addmember 100 times, "
            "Mon 2 Jul 2007, 09:00–09:03") in text
    assert "gave the present troika seat to MX" in text  # not hidden by the flood
    clock.advance(timedelta(hours=1))
    await ask(bot, DELEGATE, "/addmember XX Nowhere")
    assert [e.after.get("count", 1) for e in await audits(services, "denied")] == [100, 1]
    await ask(bot, DELEGATE, "/removemember BE")
    assert len(await audits(services, "denied")) == 3  # another command: its own entry


def _rows(count: int) -> str:
    return "code,name\n" + "".join(f"O{n:04d},Organisation {n}\n" for n in range(count))


async def test_cli_import_shows_progress_on_long_files(settings, services, clock, tmp_path,
                                                      capsys):
    path = tmp_path / "long.csv"
    path.write_text(_rows(250), encoding="utf-8")
    assert await import_cli(settings, path, dry_run=False, assume_yes=True, clock=clock) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["import: 100 of 250 rows done (40%)",
                                         "import: 200 of 250 rows done (80%)",
                                         "import: 250 of 250 rows done (100%)"]
    assert "250 members added" in captured.out  # stdout keeps the report only
    path.write_text(_rows(20), encoding="utf-8")
    await import_cli(settings, path, dry_run=False, assume_yes=True, clock=clock)
    assert capsys.readouterr().err == ""  # short files: no progress lines


async def test_bot_import_says_it_is_importing_a_long_file(bot, services, data):
    calls = await bot.upload(ADMIN, "long.csv", _rows(250).encode())
    button = next(b for c in calls for b in c.buttons if b[1].startswith("imp:") and
                  b[1] != "imp:no")
    calls = await bot.click(ADMIN, button[1])
    edits = [c.text for c in calls if c.method == "editMessageText"]
    assert edits[0] == "Importing 250 rows from long.csv…"
    assert edits[-1].startswith("Imported long.csv: 250 members added")


def test_piping_into_head_exits_quietly(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n" + "X,\n" * 1900, encoding="utf-8")
    command = (f"{sys.executable} -m bot import --dry-run {path} | head -n 2; "
               "echo \"status ${PIPESTATUS[0]}\"")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "FOF_DATABASE_URL":
                               f"sqlite:///{tmp_path / 'x.db'}"})
    assert done.stdout.splitlines()[0] == "1900 rows read: 0 valid, 1900 rejected."
    assert done.stdout.splitlines()[-1] == "status 0"
    assert done.stderr == ""


async def test_interactive_demo_delivers_mail_to_its_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "demo"
    answers = iter(["1", f"/link {LINK_EXAMPLE}", None, "/whoami", "/quit"])

    def typed(prompt: str = "") -> str:
        answer = next(answers)
        if answer is None:  # read the code in the mail, as a newcomer would
            [mail] = sorted((folder / "mail").glob("*.eml"))
            body = message_from_bytes(mail.read_bytes(), policy=policy.default)
            code = re.search(r"/verify (\S+)", body.get_body(("plain",)).get_content())
            return f"/verify {code.group(1)}"
        return answer

    monkeypatch.setattr(builtins, "input", typed)
    assert await run_demo(folder, interactive=True) == 0
    out = capsys.readouterr().out
    assert f"Mail the bot sends is delivered to {folder.resolve() / 'mail'}" in out
    assert f"mail> to Wanjiru Kamau <{LINK_EXAMPLE}>" in out
    assert f"saved to {folder.resolve() / 'mail' / '001.eml'}" in out
    assert "Wanjiru Kamau" in out.split("/whoami")[-1]


def test_every_audit_action_reads_as_a_sentence():
    from datetime import UTC, datetime

    from bot.audit_text import AuditLine, sentence
    from storage.audit import AuditAction

    at = datetime(2007, 7, 2, 22, 30, tzinfo=UTC)
    samples = {
        AuditAction.ACTION_ADD: ("5 BD", None, {"title": "Study", "due_date": "2007-06-29"}),
        AuditAction.MEETING_CANCEL: ("2 Steering group", {"starts_at": at.isoformat()}, None),
        AuditAction.FOCAL_SET: ("GH", None, {"focal": [{"name": "Kofi", "email": "k@x.gh"}]}),
        AuditAction.SETTINGS_CHANGE: ("a@x.mx language", {"language": "en"},
                                      {"language": "es"}),
        AuditAction.DENIED: ("audit", None, {"attempted": "/audit", "count": 3,
                                             "last_at": "2007-07-04T06:00:00+00:00"}),
    }
    said = {action: sentence(AuditLine(at, "5001", action, subject, "", who="Ana García",
                                       before=before, after=after), "Europe/Brussels")
            for action, (subject, before, after) in samples.items()}
    assert said[AuditAction.ACTION_ADD] == "Ana García added action #5 for BD: Study, due " \
                                           "29 Jun 2007"
    assert said[AuditAction.MEETING_CANCEL] == ("Ana García cancelled Steering group meeting #2 "
                                                "of Tue 3 Jul 2007, 00:30")
    assert said[AuditAction.FOCAL_SET] == "Ana García made Kofi <k@x.gh> the focal point for GH"
    assert said[AuditAction.SETTINGS_CHANGE] == ("Ana García changed their language setting: "
                                                 "language: en → es")
    # Across midnight the end of a run of refusals keeps its date.
    assert said[AuditAction.DENIED] == ("Ana García was refused /audit 3 times, "
                                        "Tue 3 Jul 2007, 00:30–Wed 4 Jul 2007, 08:00")
    odd = AuditLine(at, "cli", "meeting.move", "x", "", who="the operator", after={"x": 1})
    assert sentence(odd, "UTC").startswith("the operator moved")  # missing values: no crash
    unknown = AuditLine(at, "cli", "something.new", "BE", "name: a → b", who="the operator")
    assert sentence(unknown, "UTC") == "the operator something.new BE: name: a → b"
