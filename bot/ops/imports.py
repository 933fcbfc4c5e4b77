"""CSV import of members and contacts: check a file, then apply its valid rows.

The bot's upload and confirm buttons and `fof-bot import` call these same two operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import importer
from bot.importer import ImportPlan, ImportResult, ImportRow, Problem
from bot.ops.admin import require_admin
from bot.services import Services
from storage import members
from storage.errors import Rejected
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
    return Checked(plan, importer.report(plan))


async def apply_plan(services: Services, viewer: Viewer, plan: ImportPlan) -> ImportResult:
    """Write the valid rows in one transaction, each audited.

    Each row gets a savepoint: a row the database refuses is reported and the others still go in.
    """
    require_admin(viewer)
    result = ImportResult()
    now = services.now()
    async with services.sessions.begin() as session:
        for row in plan.rows:
            try:
                async with session.begin_nested():
                    await _apply_row(session, row, result, actor=viewer.actor, now=now)
            except Rejected as problem:
                result.failed.append(Problem(row.line, str(problem)))
    return result


async def _apply_row(session, row: ImportRow, result: ImportResult, *, actor: str | int,
                     now: datetime) -> None:
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
    if row.focal_email:
        await members.set_focal(session, code=row.code, email=row.focal_email,
                                name=row.focal_name or row.focal_email, actor=actor, now=now,
                                telegram_id=row.focal_telegram_id, language=row.language,
                                timezone=row.timezone)
        result.focal_points += 1
