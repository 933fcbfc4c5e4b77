"""An import is not news: one audited change, unchanged rows untouched, one line in the digest."""

from datetime import timedelta

from bot.cli import import_cli
from bot.importer import parse_csv
from bot.mail.digest import build_digests
from bot.ops import imports
from storage.people import Viewer
from tests.fixtures_bot import ADMIN, ask, audits, data_fixture, snapshot_db  # noqa: F401

CONTACTS = (
    "code,name,steering,troika,focal_email,focal_name,timezone\n"
    "BE,Belgique,yes,present,jan.peeters@diplobel.example,Jan Peeters,Europe/Brussels\n"
    "PH,Philippines,yes,future,maria.santos@dfa.example.ph,Maria Santos,Asia/Manila\n"
    "FI,Finland,yes,,liisa.virtanen@formin.example,Liisa Virtanen,Europe/Helsinki\n"
    "MX,Mexico,yes,,ana.garcia@sre.example.mx,Ana García,America/Mexico_City\n"
    "BD,Bangladesh,no,,rahim@mofa.example.bd,Rahim Chowdhury,Asia/Dhaka\n"
    "GH,Ghana,no,,kofi.mensah@mfa.example.gh,Kofi Mensah,Africa/Accra\n"
    "IOM,International Organization for Migration,no,,,,\n"
)


async def _import(settings, clock, tmp_path, text: str, name: str = "contacts.csv") -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return await import_cli(settings, path, dry_run=False, assume_yes=True, clock=clock)


async def test_a_first_import_is_one_audit_entry_and_one_digest_line(settings, services, clock,
                                                                     tmp_path, capsys):
    assert await _import(settings, clock, tmp_path, CONTACTS) == 0
    assert ("Imported contacts.csv: 7 members added, 0 updated, 0 unchanged, 0 rejected; "
            "6 focal points changed.") in capsys.readouterr().out
    [entry] = await audits(services)
    assert (entry.action, entry.subject, entry.actor) == ("import", "contacts.csv", "cli")
    after = entry.after
    assert (after["file"], after["unchanged"], after["rejected"]) == ("contacts.csv", 0, 0)
    assert sorted(after["added"]) == ["BD", "BE", "FI", "GH", "IOM", "MX", "PH"]
    assert len(after["rows"]) == after["changes"]["member.add"] + after["changes"][
        "focal.set"] + after["changes"]["steering.add"] + after["changes"]["troika.set"]

    clock.advance(timedelta(days=1))
    report = await build_digests(services, clock.now(), dry_run=True)
    assert len(report.entries) == 6
    for digest in report.entries:
        assert "New member:" not in digest.text and "New focal point" not in digest.text
        assert digest.text.count("The contact list was updated") == 1
    assert ("The contact list was updated: 7 members added, 6 focal points changed, "
            "4 steering-group changes, 2 troika seats changed.") in report.entries[0].text


async def test_reimporting_the_same_file_changes_nothing(settings, services, clock, tmp_path,
                                                        capsys):
    assert await _import(settings, clock, tmp_path, CONTACTS) == 0
    before, entries = await snapshot_db(services), await audits(services)
    clock.advance(timedelta(hours=1))
    assert await _import(settings, clock, tmp_path, CONTACTS) == 0
    out = capsys.readouterr().out
    assert "Nothing changed: 0 members added, 0 updated, 7 unchanged, 0 rejected." in out
    assert await snapshot_db(services) == before  # no write
    assert await audits(services) == entries  # no audit


async def test_only_changed_rows_are_written_and_counted(settings, services, clock, tmp_path,
                                                        capsys):
    assert await _import(settings, clock, tmp_path, CONTACTS) == 0
    changed = CONTACTS.replace("GH,Ghana,no,,kofi.mensah@mfa.example.gh,Kofi Mensah",
                               "GH,Ghana,yes,,kwame.boateng@mfa.example.gh,Kwame Boateng")
    changed += "SN,Senegal,no,,,,\nXX1,,,,,,\n"
    clock.advance(timedelta(hours=1))
    assert await _import(settings, clock, tmp_path, changed, "update.csv") == 0
    assert ("Imported update.csv: 1 member added, 1 updated, 6 unchanged, 1 rejected; "
            "1 focal point changed.") in capsys.readouterr().out
    entry = (await audits(services))[-1]
    assert (entry.action, entry.subject) == ("import", "update.csv")
    assert (entry.after["added"], entry.after["updated"]) == (["SN"], ["GH"])
    assert (entry.after["unchanged"], entry.after["rejected"]) == (6, 1)
    assert len(await audits(services)) == 2
    clock.advance(timedelta(hours=1))
    report = await build_digests(services, clock.now(), dry_run=True)
    kwame = next(e for e in report.entries if e.email == "kwame.boateng@mfa.example.gh")
    assert ("The contact list was updated: 1 member added, 1 focal point changed, "
            "1 steering-group change.") in kwame.text


async def test_a_row_the_database_refuses_leaves_no_trace_in_the_entry(services, data):
    # Telegram id 5001 belongs to Ana García (Mexico): the database refuses it for Ghana.
    plan = parse_csv(b"code,name,focal_email,focal_name,focal_telegram_id\n"
                     b"GH,Ghana,kofi@mfa.example.gh,Kofi Mensah,5001\n"
                     b"SN,Senegal,,,\n")
    result = await imports.apply_plan(services, Viewer.operator(), plan, source="two.csv")
    assert result.added == ["SN"] and result.failed[0].line == 2
    [entry] = await audits(services, "import")
    assert [row["subject"] for row in entry.after["rows"]] == ["SN"]
    assert entry.after["rejected"] == 1 and entry.after["focal_points"] == []


async def test_bot_import_reports_unchanged_and_names_the_file_in_audit(bot, services, data):
    content = CONTACTS.encode()
    calls = await bot.upload(ADMIN, "contacts.csv", content)
    # Belgium's name, Rahim's zone and Ghana's focal point differ from the sample data.
    assert "Compared with what is recorded: 0 new, 3 changed, 4 unchanged." in "\n".join(
        c.text for c in calls)
    button = next(b for c in calls for b in c.buttons if b[1].startswith("imp:") and
                  b[1] != "imp:no")
    text = "\n".join(c.text for c in await bot.click(ADMIN, button[1]))
    assert "Imported contacts.csv:" in text and "0 rejected" in text
    audit_text = await ask(bot, ADMIN, "/audit 5")
    assert "contacts.csv" in audit_text and audit_text.count("•") == 1
    calls = await bot.upload(ADMIN, "contacts.csv", content)
    assert "Compared with what is recorded: 0 new, 0 changed, 7 unchanged." in "\n".join(
        c.text for c in calls)
    button = next(b for c in calls for b in c.buttons if b[1].startswith("imp:") and
                  b[1] != "imp:no")
    text = "\n".join(c.text for c in await bot.click(ADMIN, button[1]))
    assert "Nothing changed: 0 members added, 0 updated, 7 unchanged, 0 rejected." in text
    assert len(await audits(services, "import")) == 1
