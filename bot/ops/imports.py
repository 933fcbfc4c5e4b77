"""CSV import of members and contacts: check a file, then apply its valid rows.

The bot's upload and confirm buttons and `fof-bot import` call these same two operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import importer
from bot.importer import ImportPlan, ImportResult, ImportRow, Problem
from bot.ops.admin import require_admin
from bot.services import Services
from storage import audit, imports, members
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.imports import Recorded
from storage.models import AuditEntry
from storage.people import Viewer


@dataclass(frozen=True)
class Checked:
    """A file read and checked: the plan and its report (plain text, one line each)."""

    plan: ImportPlan
    report: list[str]

    @property
    def importable(self) -> bool:
        return self.plan.fatal is None and bool(self.plan.rows)


async def check_file(services: Services, viewer: Viewer, content: bytes) -> Checked:
    """Read and check the file; nothing is written."""
    require_admin(viewer)
    plan = importer.parse_csv(content)
    report = importer.report(plan)
    if plan.fatal is None and plan.rows:
        async with services.sessions() as session:
            known = await imports.recorded(session, [row.code for row in plan.rows])
        same = sum(1 for row in plan.rows if importer.unchanged(row, known.get(row.code)))
        new = sum(1 for row in plan.rows if row.code not in known)
        report.append(f"Compared with what is recorded: {new:,} new, "
                      f"{len(plan.rows) - new - same:,} changed, {same:,} unchanged.")
    return Checked(plan, report)


Progress = Callable[[int, int], None]  # (rows done, rows in all), called every PROGRESS_EVERY
PROGRESS_EVERY = 100


async def apply_plan(services: Services, viewer: Viewer, plan: ImportPlan, *,
                     source: str = "the file", progress: Progress | None = None) -> ImportResult:
    """Write the rows that change something, in one transaction, as ONE audit entry.

    A row that matches what is recorded is counted unchanged and not written. Each other row gets
    a savepoint: a row the database refuses is reported and the others still go in. The storage
    functions' own entries are collected into the import's entry (`audit.IMPORT`), so the audit
    log and the digest see one change naming the file and its counts, not one per row.
    """
    require_admin(viewer)
    result = ImportResult(source=source, rejected=len(plan.errors))
    now = services.now()
    async with services.sessions.begin() as session:
        known = await imports.recorded(session, [row.code for row in plan.rows])
        with audit.collecting(session) as collected:
            for done, row in enumerate(plan.rows, 1):
                await _apply_checked(session, row, known.get(row.code), result, collected,
                                     actor=viewer.actor, now=now)
                if progress is not None and (done % PROGRESS_EVERY == 0 or
                                             done == len(plan.rows)):
                    progress(done, len(plan.rows))
        if result.changed:
            await audit.record(session, at=now, actor=viewer.actor, action=AuditAction.IMPORT,
                               subject=source, after=_entry(result, collected))
    return result


async def _apply_checked(session, row: ImportRow, known: Recorded | None, result: ImportResult,
                         collected: list[AuditEntry], *, actor: str | int,
                         now: datetime) -> None:
    """Apply one row unless it changes nothing; a refused row leaves no trace but its line."""
    if importer.unchanged(row, known):
        result.unchanged.append(row.code)
        return
    kept = len(collected)
    try:
        async with session.begin_nested():
            await _apply_row(session, row, known, result, actor=actor, now=now)
    except Rejected as problem:
        del collected[kept:]
        for found in (result.added, result.updated, result.focal_points):
            if found and found[-1] == row.code:
                found.pop()
        result.failed.append(Problem(row.line, str(problem)))


def _entry(result: ImportResult, collected: list[AuditEntry]) -> dict[str, Any]:
    """The import's audit entry: counts, codes, and each row's change as storage described it."""
    kinds: dict[str, int] = {}
    for entry in collected:
        kinds[entry.action] = kinds.get(entry.action, 0) + 1
    return {
        "file": result.source, "added": result.added, "updated": result.updated,
        "unchanged": len(result.unchanged), "rejected": result.rejected + len(result.failed),
        "focal_points": result.focal_points, "changes": kinds,
        "rows": [{"action": e.action, "subject": e.subject, "before": e.before,
                  "after": e.after} for e in collected],
    }


async def _apply_row(session, row: ImportRow, known: Recorded | None, result: ImportResult,
                     *, actor: str | int, now: datetime) -> None:
    existing = await members.get_member(session, row.code)
    if existing is None:
        await members.add_member(session, code=row.code, name=row.name, kind=row.kind,
                                 region=row.region, actor=actor, now=now)
        result.added.append(row.code)
    else:
        await members.update_member(session, code=row.code, name=row.name, kind=row.kind,
                                    region=row.region, actor=actor, now=now)
        result.updated.append(row.code)
    member = await members.get_member(session, row.code)
    if row.steering is not None and member.steering != row.steering:
        await members.set_steering(session, code=row.code, on=row.steering, actor=actor,
                                   now=now)
    if row.troika is not None and member.troika != row.troika:
        await members.set_troika(session, role=row.troika, code=row.code, actor=actor,
                                 now=now)
    if not importer.focal_unchanged(row, known):
        await members.set_focal(session, code=row.code, email=row.focal_email,
                                name=row.focal_name or row.focal_email, actor=actor, now=now,
                                telegram_id=row.focal_telegram_id, language=row.language,
                                timezone=row.timezone)
        result.focal_points.append(row.code)
