"""CSV import: the file format, the report, dry runs, the CLI and the bot's document handler."""

from sqlmodel import select

from bot.cli import import_cli
from bot.importer import parse_csv, report
from storage.models import Member, Person, Role
from tests.fixtures_bot import (
    ADMIN,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    texts,
)

GOOD = (
    "code,name,steering,troika,focal_email,focal_name,focal_telegram_id,timezone\n"
    "BE,Belgium,yes,present,jan.peeters@diplobel.example,Jan Peeters,,Europe/Brussels\n"
    "PH,Philippines,yes,future,maria.santos@dfa.example.ph,Maria Santos,5005,Asia/Manila\n"
    "IOM,International Organization for Migration,no,,,,,\n"
)
BAD = (
    "name;code;region;troika;focal_email;focal_name;colour\n"
    "Ghana;GH;African;;kofi.mensah@mfa.example.gh;Kofi Mensah;green\n"
    "Atlantis;X;;;;;\n"
    "Mexico;MX;GRULAC;present;not-an-email;Ana García;\n"
    "Ghana again;GH;;;;;\n"
    "Finland;FI;WEOG;sometimes;;;\n"
    "Senegal;SN;;;;Awa Diop;\n"
    "Côte d’Ivoire;CI;;;;;\n"
)


async def members(services):
    async with services.sessions() as session:
        return {m.code: m for m in (await session.exec(select(Member))).all()}


def test_parse_good_file_with_bom():
    plan = parse_csv(("\ufeff" + GOOD).encode())
    assert plan.errors == [] and plan.fatal is None and plan.unknown_columns == []
    be, ph, iom = plan.rows
    assert (be.line, be.code, be.region, be.steering, be.troika) == (
        2, "BE", "Western European and Others", True, "present")
    assert ph.focal_telegram_id == 5005 and ph.timezone == "Asia/Manila"
    assert iom.kind == "organisation" and iom.region is None and iom.steering is False
    assert report(plan) == ["3 rows read: 3 valid, 0 rejected."]


def test_parse_semicolons_any_column_order_and_bad_rows():
    plan = parse_csv(BAD.encode())
    assert [r.code for r in plan.rows] == ["GH", "CI"]
    assert plan.rows[1].name == "Côte d’Ivoire" and plan.rows[1].region == "African"
    assert plan.unknown_columns == ["colour"]
    reasons = {p.line: p.reason for p in plan.errors}
    assert reasons[3] == "“X” is not a member code such as BE or IOM."
    assert "“not-an-email” is not an email address" in reasons[4]
    assert reasons[5] == "GH is already on line 2"
    assert "“sometimes” is not a valid troika seat" in reasons[6]
    assert reasons[7] == "a focal point needs focal_email"
    lines = report(plan)
    assert lines[0] == "7 rows read: 2 valid, 5 rejected."
    assert "Unknown columns, ignored: colour" in lines
    assert "line 5: GH is already on line 2" in lines


def test_file_level_problems():
    assert "not UTF-8" in parse_csv("code,name\nBE,Belgique\xe9\n".encode("latin-1")).fatal
    assert "no code column" in parse_csv(b"name,region\nBelgium,WEOG\n").fatal
    assert parse_csv(b"").fatal == "The file is empty."
    assert "no rows" in parse_csv(b"code,name\n\n").fatal
    plan = parse_csv(b'code,name\nBE,"Belgium\nKingdom"\nPH,Philippines,extra\n')
    assert plan.errors[0].line == 4 and "has 3 cells" in plan.errors[0].reason


async def test_cli_dry_run_changes_nothing(settings, services, data, tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text(GOOD.replace("BE,Belgium", "SN,Senegal"), encoding="utf-8")
    assert await import_cli(settings, path, dry_run=True, assume_yes=False) == 0
    out = capsys.readouterr().out
    assert "3 rows read: 3 valid" in out and "Dry run: nothing was changed." in out
    assert "SN" not in await members(services)


async def test_cli_imports_and_audits(settings, services, data, tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text(GOOD.replace("BE,Belgium,yes,present", "SN,Senegal,yes,present"),
                    encoding="utf-8-sig")
    assert await import_cli(settings, path, dry_run=False, assume_yes=False) == 0
    assert ("Imported members.csv: 1 member added, 0 updated, 2 unchanged, 0 rejected; "
            "1 focal point changed.") in capsys.readouterr().out
    found = await members(services)
    assert found["SN"].troika == "present" and found["SN"].steering
    assert found["BE"].troika is None  # the seat moved
    assert found["IOM"].steering is False
    entries = await audits(services)
    assert [e.action for e in entries] == ["import"]  # one entry for the whole file
    changes = entries[0].after["changes"]
    assert changes["member.add"] == 1 and changes["troika.set"] == 1
    assert changes["focal.set"] == 1
    assert {e.actor for e in entries} == {"cli"}


async def test_cli_refuses_a_file_with_errors_unless_confirmed(settings, services, data,
                                                               tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text(BAD, encoding="utf-8")
    assert await import_cli(settings, path, dry_run=False, assume_yes=False) == 1
    assert "Nothing was imported" in capsys.readouterr().out
    assert "CI" not in await members(services)
    assert await import_cli(settings, path, dry_run=False, assume_yes=True) == 0
    found = await members(services)
    assert "CI" in found and found["GH"].name == "Ghana" and "X" not in found
    async with services.sessions() as session:
        kofi = (await session.exec(select(Person).where(
            Person.email == "kofi.mensah@mfa.example.gh"))).one()
        roles = (await session.exec(select(Role).where(Role.person_id == kofi.id))).all()
    assert [(r.member_id, r.role) for r in roles] == [(found["GH"].id, "focal_point")]


async def test_cli_missing_file(settings, tmp_path, capsys):
    assert await import_cli(settings, tmp_path / "nope.csv", dry_run=True, assume_yes=False) == 2


async def test_bot_upload_reports_then_imports_on_confirmation(bot, services, data):
    calls = await bot.upload(ADMIN, "members.csv", BAD.encode("utf-8-sig"))
    check_sane(calls)
    text = texts(calls)
    assert "7 rows read: 2 valid, 5 rejected." in text
    assert "line 3: “X” is not a member code" in text
    assert "Nothing is written until you confirm" in text
    assert "CI" not in await members(services)
    button = next(b for c in calls for b in c.buttons if b[1].startswith("imp:") and
                  b[1] != "imp:no")
    assert button[0] == "Import the 2 valid rows"
    calls = await bot.click(ADMIN, button[1])
    assert ("Imported members.csv: 1 member added, 1 updated, 0 unchanged, 5 rejected; "
            "1 focal point changed.") in texts(calls)
    assert "CI" in await members(services)
    again = await bot.click(ADMIN, button[1])
    assert "expired" in texts(again)


async def test_bot_upload_cancel_and_fatal(bot, services, data):
    calls = await bot.upload(ADMIN, "members.csv", GOOD.replace("BE,", "SN,").encode())
    assert "Import 3 rows" in [b[0] for c in calls for b in c.buttons]
    assert "Nothing was imported" in texts(await bot.click(ADMIN, "imp:no"))
    assert "SN" not in await members(services)
    calls = await bot.upload(ADMIN, "members.csv", b"\xff\xfe\x00garbage")
    assert "Cannot import: The file is not UTF-8" in texts(calls)
    assert not any(c.buttons for c in calls)


def test_kind_region_and_steering_values_are_checked():
    plan = parse_csv(
        b"code,name,kind,region,steering,language\n"
        b"XX,Atlantis,state,,,\n"
        b"EU,European Union,organisation,Europe,maybe,\n"
        b"ICMPD,ICMPD,club,,,\n"
        b"KE,Kenya,,Africa,oui,sw\n"
        b"ZA,South Africa,,Mars,,\n"
        b"NO,Norway,,,non,fr\n")
    reasons = {p.line: p.reason for p in plan.errors}
    assert reasons[2] == "XX is not the ISO code of a UN member state"
    assert reasons[3] == "steering “maybe” is not yes or no"
    assert reasons[4] == "kind “club” is neither state nor organisation"
    assert 5 not in reasons  # an unknown language warns and falls back to English
    assert [(p.line, p.reason[:15]) for p in plan.warnings] == [(5, "language “sw” i")]
    assert "“Mars” is not a UN regional group" in reasons[6]
    assert [(r.code, r.steering, r.language) for r in plan.rows] == [
        ("KE", True, "en"), ("NO", False, "fr")]
