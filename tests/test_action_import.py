"""Action items by file: the report, dry run, all-or-nothing, one audit entry, the bot upload."""

from datetime import date, timedelta

from sqlmodel import func, select

from bot import import_file
from bot.action_import import parse_csv, report
from bot.cli import import_cli
from bot.mail.digest import build_digests
from bot.ops import imports
from storage.models import ActionItem
from storage.people import Viewer
from tests.fixtures_bot import (
    ADMIN,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)

GOOD = (
    "member,due,title,assignee_email,meeting,status\n"
    "BE,2007-09-30,Draft the civil society note,jan.peeters@diplobel.example,1,\n"
    "philippines,2007-06-15,Send the Manila summary,,,in progress\n"
    "Finland,2007-08-01,Share the pilot results,,,done\n"
)
BAD = (
    "title;member;due;status;colour\n"
    "Write the roundtable paper;MX;2007-10-01;;blue\n"  # line 2: good
    "Nothing;Atlantis;2007-10-01;;\n"  # line 3: unknown member
    "Study;BE;2007-02-30;;\n"  # line 4: no such day
    "Study;BE;2007-10-01;maybe;\n"  # line 5: bad status
    "Study;;2007-10-01;;\n"  # line 6: no member
    "Call the chair;GH;2007-11-01;open;\n"  # line 7: good
)


async def _count(services) -> int:
    async with services.sessions() as session:
        return (await session.exec(select(func.count()).select_from(ActionItem))).one()


async def _titles(services) -> dict[str, ActionItem]:
    async with services.sessions() as session:
        return {a.title: a for a in (await session.exec(select(ActionItem))).all()}


def _write(tmp_path, text: str, name: str = "actions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_header_decides_the_kind_of_file():
    assert import_file.kind_of(GOOD.encode("utf-8-sig")) == import_file.ACTIONS
    assert import_file.kind_of(BAD.encode()) == import_file.ACTIONS
    assert import_file.kind_of(b"code,name\nBE,Belgium\n") == import_file.CONTACTS
    assert import_file.kind_of(b"member,title\nBE,Study\n") is None
    assert import_file.kind_of(b"\xff\xfe garbage") == import_file.CONTACTS  # says "not UTF-8"


def test_parse_reports_each_bad_row_with_its_line_and_reason():
    plan = parse_csv(BAD.encode())
    assert [r.line for r in plan.rows] == [2, 3, 7]  # Atlantis is checked against the record
    assert plan.rows[0].status == "open" and plan.rows[0].due == date(2007, 10, 1)
    assert plan.unknown_columns == ["colour"]
    reasons = {p.line: p.reason for p in plan.errors}
    assert "30 February 2007 does not exist" in reasons[4]
    assert reasons[5].startswith("status “maybe” is not one of open, in_progress, done")
    assert reasons[6] == "the member is missing"
    lines = report(plan)
    assert lines[0] == "6 action rows read: 3 valid, 3 rejected."
    assert "Unknown columns, ignored: colour" in lines
    assert "line 6: the member is missing" in lines
    assert "no due column" in parse_csv(b"member,title,due_date\nBE,x,2007-01-01\n").fatal
    assert parse_csv(b"member,due,title\n\n").fatal == "The file has a header but no rows."


async def test_check_names_rows_the_record_refuses(services, data):
    content = (GOOD + "Atlantis,2007-10-01,Nothing,,,\n"
               "BE,2007-10-01,Unassigned,nobody@example.org,,\n"
               "BE,2007-10-01,Nowhere,,999,\n"
               "Belgum,2007-10-01,A typo is matched loosely,,,\n").encode()
    checked = await imports.check_file(services, Viewer.operator("UTC"), content)
    assert checked.kind == import_file.ACTIONS and checked.importable
    reasons = {p.line: p.reason for p in checked.plan.errors}
    assert reasons[5].startswith("no member is called “Atlantis”")
    assert reasons[6] == "no contact has the email nobody@example.org"
    assert reasons[7] == "there is no meeting number 999"
    assert checked.report[0] == "7 action rows read: 4 valid, 3 rejected."
    assert "Compared with what is recorded: 4 new, 0 already recorded." in checked.report
    assert [r.line for r in checked.plan.rows] == [2, 3, 4, 8]


async def test_cli_dry_run_writes_nothing(settings, services, data, tmp_path, capsys):
    before = await snapshot_db(services)
    path = _write(tmp_path, GOOD)
    assert await import_cli(settings, path, dry_run=True, assume_yes=False) == 0
    out = capsys.readouterr().out
    assert "3 action rows read: 3 valid, 0 rejected." in out
    assert "Dry run: nothing was changed." in out
    assert await snapshot_db(services) == before
    assert await audits(services) == []


async def test_cli_imports_as_one_audited_change_and_one_digest_line(settings, services, clock,
                                                                     data, tmp_path, capsys):
    path = _write(tmp_path, GOOD)
    assert await import_cli(settings, path, dry_run=False, assume_yes=False, clock=clock) == 0
    assert ("Imported actions.csv: 3 action items added for 3 members (1 already overdue), "
            "0 already recorded, 0 rejected.") in capsys.readouterr().out
    found = await _titles(services)
    note = found["Draft the civil society note"]
    assert (note.due_date, note.status, note.meeting_id) == (date(2007, 9, 30), "open",
                                                             data.summit)
    assert note.assignee_id is not None
    assert found["Send the Manila summary"].status == "in_progress"
    assert found["Share the pilot results"].done_at is not None
    [entry] = await audits(services)
    assert (entry.action, entry.subject, entry.actor) == ("import", "actions.csv", "cli")
    assert entry.after == {"kind": "actions", "file": "actions.csv", "actions_added": 3,
                           "overdue": 1, "members": 3, "unchanged": 0, "rejected": 0}
    # Importing the same file again adds nothing twice and records no change.
    assert await import_cli(settings, path, dry_run=False, assume_yes=False, clock=clock) == 0
    assert "Nothing changed: no action item added, 3 already recorded" in \
        capsys.readouterr().out
    assert await _count(services) == 7 and len(await audits(services)) == 1
    clock.advance(timedelta(days=1))
    digests = await build_digests(services, clock.now(), dry_run=True)
    assert digests.entries
    for digest in digests.entries:
        changes = digest.text.split("WHAT CHANGED", 1)[1]
        assert changes.count("3 action items were imported.") == 1
        assert "Draft the civil society note" not in changes


async def test_cli_refuses_a_file_with_errors_unless_confirmed(settings, services, data,
                                                               tmp_path, capsys):
    before = await snapshot_db(services)
    path = _write(tmp_path, BAD)
    assert await import_cli(settings, path, dry_run=False, assume_yes=False) == 1
    out = capsys.readouterr().out
    assert "6 action rows read: 2 valid, 4 rejected." in out
    assert "line 3: no member is called “Atlantis”" in out
    assert "Nothing was imported. Fix the file, or run again with --yes" in out
    assert await snapshot_db(services) == before and await audits(services) == []
    assert await import_cli(settings, path, dry_run=False, assume_yes=True) == 0
    assert "2 action items added for 2 members" in capsys.readouterr().out
    titles = await _titles(services)
    assert "Write the roundtable paper" in titles and "Call the chair" in titles
    [entry] = await audits(services)
    assert entry.after["rejected"] == 4


async def test_bot_upload_reports_then_imports_on_confirmation(bot, services, data):
    before = await snapshot_db(services)
    calls = await bot.upload(ADMIN, "actions.csv", BAD.encode("utf-8-sig"))
    check_sane(calls)
    text = texts(calls)
    assert "6 action rows read: 2 valid, 4 rejected." in text
    assert "line 3: no member is called “Atlantis”" in text
    assert "Nothing is written until you confirm" in text
    assert await snapshot_db(services) == before
    button = next(b for c in calls for b in c.buttons if b[1].startswith("imp:") and
                  b[1] != "imp:no")
    assert button[0] == "Import the 2 valid rows"
    calls = await bot.click(ADMIN, button[1])
    check_sane(calls)
    assert "Imported actions.csv: 2 action items added for 2 members" in texts(calls)
    assert await _count(services) == 6
    assert [e.subject for e in await audits(services, "import")] == ["actions.csv"]
    shown = texts(await bot.send(ADMIN, "/audit 1"))
    assert "imported actions.csv: 2 action items added, 0 already recorded, 4 rejected" in shown
    assert "expired" in texts(await bot.click(ADMIN, button[1]))


async def test_bot_upload_cancel_and_a_header_of_neither_kind(bot, services, data):
    before = await snapshot_db(services)
    calls = await bot.upload(ADMIN, "actions.csv", GOOD.encode())
    assert "Import 3 rows" in [b[0] for c in calls for b in c.buttons]
    assert "Nothing was imported" in texts(await bot.click(ADMIN, "imp:no"))
    calls = await bot.upload(ADMIN, "odd.csv", b"who,when\nBE,2007-10-01\n")
    assert ("Cannot import: The header row names neither a contact file (columns code and "
            "name) nor an action file (columns member, due and title).") in texts(calls)
    assert not any(c.buttons for c in calls)
    assert await snapshot_db(services) == before


async def test_a_2000_row_file_imports_correctly(settings, services, data, tmp_path, capsys):
    codes = ["BE", "Philippines", "fi", "Mexico", "BD", "ghana", "IOM"]
    lines = ["member,due,title,status"]
    lines += [f"{codes[n % len(codes)]},2007-{n % 12 + 1:02d}-{n % 28 + 1:02d},"
              f"Follow-up number {n},{'done' if n % 10 == 0 else ''}" for n in range(2_000)]
    path = _write(tmp_path, "\n".join(lines) + "\n", "big.csv")
    assert await import_cli(settings, path, dry_run=False, assume_yes=False) == 0
    assert "2,000 action items added for 7 members" in capsys.readouterr().out
    assert await _count(services) == 2_004
    found = await _titles(services)
    assert found["Follow-up number 1999"].due_date == date(2007, 8, 12)
    assert sum(1 for a in found.values() if a.title.startswith("Follow") and
               a.status == "done") == 200
    assert len(await audits(services, "import")) == 1
