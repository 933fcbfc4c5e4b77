"""Benchmark: action items recorded through an import file (`python -m tests.bench_action_import`).

Builds a UN-scale record (193 states and 7 organisations with a focal point each, 500 meetings)
through the product's contact import, then times `fof-bot import` (read, check against the
record, write) of action files of 1,000 and 10,000 rows, against the baseline of the same items
recorded one by one through the operation behind /addaction (timed on a sample, scaled up).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.cli import import_cli
from bot.clock import FixedClock
from bot.config import load_settings
from bot.ops import actions, imports
from bot.services import open_services
from storage.models import Meeting
from storage.people import Viewer
from storage.regions import un_member_states

NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)
SIZES = (1_000, 10_000)
BASELINE_SAMPLE = 200  # items recorded one by one through the /addaction operation
ORGANISATIONS = ("IOM", "ILO", "UNHCR", "UNDP", "WB", "OECD", "ICMPD")


def _contacts() -> tuple[bytes, list[tuple[str, str]]]:
    states = sorted(un_member_states().items())
    rows = [(code, state.name) for code, state in states] + [(c, c) for c in ORGANISATIONS]
    lines = ["code,name,focal_email,focal_name"]
    lines += [f"{code},\"{name}\",focal.{code.lower()}@example.org,Focal {code}"
              for code, name in rows]
    return ("\n".join(lines) + "\n").encode(), rows


def _actions(count: int, members: list[tuple[str, str]], meetings: list[int]) -> str:
    lines = ["member,due,title,assignee_email,meeting,status"]
    statuses = ("", "open", "in_progress", "done", "cancelled")
    for n in range(count):
        code, name = members[n % len(members)]
        written = name if n % 3 == 0 else code  # a third by name, matched loosely
        due = date(2007, 1, 1) + timedelta(days=n % 700)  # past and future dates
        email = f"focal.{code.lower()}@example.org" if n % 4 == 0 else ""
        meeting = str(meetings[n % len(meetings)]) if n % 5 == 0 else ""
        lines.append(f"\"{written}\",{due.isoformat()},Follow-up {n} of {count} on the roundtable "
                     f"recommendations,{email},{meeting},{statuses[n % len(statuses)]}")
    return "\n".join(lines) + "\n"


async def _setup(services) -> tuple[list[tuple[str, str]], list[int]]:
    operator = Viewer.operator("UTC")
    content, members = _contacts()
    checked = await imports.check_file(services, operator, content)
    await imports.apply_checked(services, operator, checked, source="members.csv")
    async with services.sessions.begin() as session:
        found = [Meeting(title=f"Meeting {n}", starts_at=NOW + timedelta(days=n),
                         ends_at=NOW + timedelta(days=n, hours=2), uid=f"bench{n}@test",
                         created_at=NOW, updated_at=NOW) for n in range(500)]
        session.add_all(found)
        await session.flush()
        meetings = [m.id for m in found if m.id is not None]
    return members, meetings


async def _baseline(services, members: list[tuple[str, str]]) -> float:
    operator = Viewer.operator("UTC")
    start = time.perf_counter()
    for n in range(BASELINE_SAMPLE):
        code, name = members[n % len(members)]
        await actions.add_action(services, operator, code=name if n % 3 == 0 else code,
                                 due_date=date(2008, 1, 1), title=f"One by one {n}")
    return (time.perf_counter() - start) / BASELINE_SAMPLE


async def main(database_url: str | None = None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="fof-bench-actions-"))
    try:
        settings = load_settings(_env_file=None,
                                 database_url=database_url or f"sqlite:///{folder / 'b.db'}",
                                 mail_from="secretariat@gfmd.example", timezone="UTC")
        async with open_services(settings, FixedClock(NOW)) as services:
            members, meetings = await _setup(services)
            per_item = await _baseline(services, members)
        print(f"action items, {len(members)} members, {len(meetings)} meetings "
              f"({settings.database_url.split(':')[0]})")
        print(f"  baseline, one by one through the /addaction operation: "
              f"{per_item * 1000:.2f} ms per item ({per_item * 10_000:.1f} s for 10,000)")
        for size in SIZES:
            path = folder / f"actions-{size}.csv"
            path.write_text(_actions(size, members, meetings), encoding="utf-8")
            output = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
                status = await import_cli(settings, path, dry_run=False, assume_yes=False,
                                          clock=FixedClock(NOW))
            elapsed = time.perf_counter() - start
            assert status == 0, output.getvalue()
            assert f"{size:,} action items added" in output.getvalue(), output.getvalue()
            print(f"  fof-bot import of {size:,} rows: {elapsed:.2f} s "
                  f"({size / elapsed:,.0f} items/s; {per_item * size / elapsed:.0f}x the "
                  f"baseline)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
