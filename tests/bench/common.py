"""What every figure of `make bench` shares: the result line, settings, and the databases
built through the product's own import and operations (the SMTP sink: `tests.bench.sink`)."""

from __future__ import annotations

import resource
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.config import Settings, load_settings
from bot.importer import parse_csv
from bot.ops import imports
from bot.services import Services
from storage.people import Viewer
from storage.regions import un_member_states

NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)  # a Monday, 09:00 in Brussels
ADMIN_ID = 900001
FIRST_TELEGRAM_ID = 7_000_000  # the imported focal points are linked from this id on


# Databases one group built and another may reuse (the import of 2,000 contacts is slow):
# "contacts2000" is a SQLite file with 2,000 members whose focal points are linked from
# FIRST_TELEGRAM_ID on.
SHARED: dict[str, Path] = {}

BUDGET = 290.0  # seconds for the whole of `make bench` (the goal: under 5 minutes)
_deadline = [time.perf_counter() + BUDGET]


def start_budget() -> None:
    _deadline[0] = time.perf_counter() + BUDGET


def seconds_left() -> float:
    """What is left of the run's budget; a group bounds its longest loop by it."""
    return _deadline[0] - time.perf_counter()


@dataclass
class Figure:
    """One line of the report: a value, its baseline in the same run, the ratio, the goal."""

    name: str
    value: float | None
    unit: str
    goal: str
    met: bool | None = None
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""

    def line(self) -> str:
        if self.value is None:
            return f"{self.name}: not measured ({self.note})"
        text = f"{self.name}: {_number(self.value)} {self.unit}"
        if self.baseline is not None:
            text += f" (baseline {_number(self.baseline)} {self.unit})"
        if self.ratio is not None:
            text += f", ratio {self.ratio:.2f}x"
        verdict = {True: ": met", False: ": NOT met", None: ""}[self.met]
        text += f"; goal {self.goal}{verdict}"
        return text + (f"  [{self.note}]" if self.note else "")

    def as_json(self) -> dict:
        return asdict(self)


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def not_measured(name: str, goal: str, why: str) -> Figure:
    return Figure(name, None, "", goal, None, note=why)


def bench_settings(folder: Path, smtp_port: int, name: str = "bench", **more) -> Settings:
    """Settings for a SQLite file `folder/name.db`; `more` sets other variables."""
    return load_settings(
        _env_file=None, database_url=f"sqlite:///{folder / f'{name}.db'}",
        admin_ids=[ADMIN_ID], smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_tls="none",
        mail_from="secretariat@gfmd.example", timezone="Europe/Brussels", **more,
    )


def contact_csv(members: int, *, telegram_from: int | None = FIRST_TELEGRAM_ID) -> bytes:
    """The contact import file: the 193 UN member states first, then organisations, each with
    a focal point (linked to a Telegram id when `telegram_from` is given)."""
    states = un_member_states()
    codes = sorted(states)
    lines = ["code,name,kind,steering,focal_email,focal_name,focal_telegram_id,timezone"]
    for n in range(members):
        if n < len(codes):
            code, name, kind = codes[n], states[codes[n]].name, "state"
        else:
            code, name, kind = f"ORG{n:04d}", f"Organisation number {n}", "organisation"
        steering = "yes" if n % 20 == 0 else "no"
        telegram = str(telegram_from + n) if telegram_from is not None else ""
        lines.append(f"{code},\"{name}\",{kind},{steering},focal{n}@bench.example,"
                     f"Focal Point {n},{telegram},Europe/Brussels")
    return ("\n".join(lines) + "\n").encode()


async def import_contacts(services: Services, members: int) -> float:
    """Imports `members` members with their focal points through `apply_plan`; seconds."""
    plan = parse_csv(contact_csv(members))
    assert not plan.errors and plan.fatal is None, (plan.errors[:3], plan.fatal)
    start = time.perf_counter()
    result = await imports.apply_plan(services, Viewer.operator(), plan, source="bench.csv")
    assert len(result.added) == members, result
    return time.perf_counter() - start


async def add_meetings(services: Services, count: int) -> float:
    """`count` meetings through `bot.ops.calendar.add_meeting`, one every 8 hours; seconds."""
    from bot.ops import calendar

    start = time.perf_counter()
    for n in range(count):
        begins = NOW + timedelta(days=1, hours=8 * n)
        await calendar.add_meeting(services, Viewer.operator(), starts_at=begins,
                                   timezone="Europe/Brussels", title=f"Bench meeting {n}",
                                   location="Geneva", audience="all" if n % 3 else "steering")
    return time.perf_counter() - start


def action_due(n: int) -> date:
    return NOW.date() + timedelta(days=(n % 400) - 30)


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
