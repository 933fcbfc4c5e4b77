"""CSV import of members and contacts: check a file, then apply its valid rows.

The bot's upload and confirm buttons and `fof-bot import` call these same two operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import action_import, import_file, importer, parsing
from bot.action_import import ActionPlan, ActionResult, ActionRow
from bot.i18n import _
from bot.importer import ImportPlan, ImportResult, ImportRow, Problem
from bot.ops.admin import require_admin
from bot.services import Services
from storage import action_import as action_store
from storage import audit, imports, members
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.imports import Recorded
from storage.models import ActionStatus, AuditEntry, Member
from storage.people import Viewer
from storage.wording import either, number


@dataclass(frozen=True)
class Checked:
    """A file read and checked: the plan and its report (plain text, one line each)."""

    plan: ImportPlan | ActionPlan
    report: list[str]
    kind: str = import_file.CONTACTS  # or import_file.ACTIONS, by the file's header

    @property
    def importable(self) -> bool:
        return self.plan.fatal is None and bool(self.plan.rows)


async def check_file(services: Services, viewer: Viewer, content: bytes) -> Checked:
    """Read and check the file, a contact or an action file by its header; nothing is written."""
    require_admin(viewer)
    kind = import_file.kind_of(content)
    if kind is None:
        return Checked(ImportPlan(fatal=import_file.UNKNOWN_KIND),
                       [_("Cannot import: {reason}", reason=_(import_file.UNKNOWN_KIND))])
    if kind == import_file.ACTIONS:
        return await _check_actions(services, content)
    plan = importer.parse_csv(content)
    report = importer.report(plan)
    if plan.fatal is None and plan.rows:
        async with services.sessions() as session:
            known = await imports.recorded(session, [row.code for row in plan.rows])
        same = sum(1 for row in plan.rows if importer.unchanged(row, known.get(row.code)))
        new = sum(1 for row in plan.rows if row.code not in known)
        report.append(_("Compared with what is recorded: {new} new, {changed} changed, "
                        "{unchanged} unchanged.", new=number(new),
                        changed=number(len(plan.rows) - new - same), unchanged=number(same)))
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


# ---------------------------------------------------------------------------------------------
# Action items


async def apply_checked(services: Services, viewer: Viewer, checked: Checked, *,
                        source: str = "the file",
                        progress: Progress | None = None) -> ImportResult | ActionResult:
    """Write the valid rows of a checked file of either kind."""
    if isinstance(checked.plan, ActionPlan):
        return await apply_actions(services, viewer, checked.plan, source=source,
                                   progress=progress)
    return await apply_plan(services, viewer, checked.plan, source=source, progress=progress)


def summary(result: ImportResult | ActionResult) -> list[str]:
    """What an import of either kind wrote, plain text, one line each."""
    if isinstance(result, ActionResult):
        return action_import.summary(result)
    return importer.summary(result)


async def _check_actions(services: Services, content: bytes) -> Checked:
    """Read the action file, then check its members, contacts and meetings against the record:
    a row naming one that is unclear or unknown is rejected with its line."""
    plan = action_import.parse_csv(content)
    if plan.fatal is None and plan.rows:
        async with services.sessions() as session:
            resolved = await _Resolved.read(session, plan.rows)
        plan.rows = [row for row in plan.rows if row.line not in resolved.problems]
        plan.errors += resolved.problems.values()
    report = action_import.report(plan)
    if plan.fatal is None and plan.rows:
        same = sum(1 for row in plan.rows if (resolved.members[row.line].id, row.title, row.due)
                   in resolved.recorded)
        report.append(_("Compared with what is recorded: {new} new, {recorded} already "
                        "recorded.", new=number(len(plan.rows) - same), recorded=number(same)))
    return Checked(plan, report, kind=import_file.ACTIONS)


@dataclass
class _Resolved:
    """The file's rows checked against the record, read in a few queries for the whole file."""

    members: dict[int, Member]  # line -> member
    assignees: dict[int, int]  # line -> person id
    problems: dict[int, Problem]  # line -> why the row cannot be imported
    recorded: set[tuple[int, str, Any]]  # (member id, title, due) already recorded

    @classmethod
    async def read(cls, session, rows: list[ActionRow]) -> _Resolved:
        everyone = await action_store.active_members(session)
        people = await action_store.people_by_email(
            session, [r.assignee_email for r in rows if r.assignee_email])
        meetings = await action_store.existing_meetings(
            session, [r.meeting for r in rows if r.meeting is not None])
        found = cls({}, {}, {}, set())
        matcher = members.Matcher(everyone)
        matches: dict[str, members.Match] = {}
        for row in rows:
            if row.member not in matches:
                matches[row.member] = matcher(row.member)
            reason = _member_problem(row.member, matches[row.member])
            if reason is None and row.assignee_email and row.assignee_email not in people:
                reason = _("no contact has the email {email}", email=row.assignee_email)
            if reason is None and row.meeting is not None and row.meeting not in meetings:
                reason = _("there is no meeting number {number}", number=row.meeting)
            if reason is not None:
                found.problems[row.line] = Problem(row.line, reason)
                continue
            found.members[row.line] = matches[row.member].member  # type: ignore[assignment]
            if row.assignee_email:
                found.assignees[row.line] = people[row.assignee_email]
        found.recorded = await action_store.recorded_items(
            session, {m.id for m in found.members.values() if m.id is not None})
        return found


def _member_problem(written: str, found: members.Match) -> str | None:
    """Why a member written in the file cannot be used, or None when it is clear."""
    if found.member is not None:
        return None
    shown = parsing.quote(written)
    if not found.candidates:
        return _("no member is called “{name}” (give its code or its name as in /members)",
                 name=shown)
    names = [f"{m.name} ({m.code})" for m in found.candidates]
    return _("the member “{name}” is not clear: it may be {members}; give its code",
             name=shown, members=either(names))


async def apply_actions(services: Services, viewer: Viewer, plan: ActionPlan, *,
                        source: str = "the file",
                        progress: Progress | None = None) -> ActionResult:
    """Add the valid rows as action items in one transaction, as ONE audit entry.

    The rows are checked against the record again inside the transaction (a row that has become
    invalid since the check is reported and left out); a row already recorded (same member,
    title and due date) is counted and not added twice; the rest go in with one INSERT per
    chunk. The audit entry names the file and its counts, so the audit log and the digest show
    one change, not one per item.
    """
    require_admin(viewer)
    result = ActionResult(source=source, rejected=len(plan.errors))
    now, today = services.now(), services.today()
    async with services.sessions.begin() as session:
        resolved = await _Resolved.read(session, plan.rows)
        result.failed = sorted(resolved.problems.values(), key=lambda p: p.line)
        values = _values(plan.rows, resolved, result, now=now, today=today)
        for start in range(0, len(values), action_store.CHUNK):
            await action_store.insert_items(session, values[start:start + action_store.CHUNK])
            if progress is not None:
                progress(min(start + action_store.CHUNK, len(values)), len(values))
        result.added = len(values)
        if result.changed:
            await audit.record(session, at=now, actor=viewer.actor, action=AuditAction.IMPORT,
                               subject=source, after=_action_entry(result))
    return result


def _values(rows: list[ActionRow], resolved: _Resolved, result: ActionResult, *, now: datetime,
            today) -> list[dict[str, Any]]:
    """The rows to insert; counts what is already recorded, overdue, and the members."""
    values: list[dict[str, Any]] = []
    seen = set(resolved.recorded)
    owners: set[int] = set()
    for row in rows:
        member = resolved.members.get(row.line)
        if member is None or member.id is None:
            continue
        key = (member.id, row.title, row.due)
        if key in seen:
            result.unchanged += 1
            continue
        seen.add(key)
        owners.add(member.id)
        if row.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) and row.due < today:
            result.overdue += 1
        values.append(action_store.item_values(
            member_id=member.id, title=row.title, due_date=row.due, status=row.status,
            assignee_id=resolved.assignees.get(row.line), meeting_id=row.meeting, now=now))
    result.members = len(owners)
    return values


def _action_entry(result: ActionResult) -> dict[str, Any]:
    """The action import's audit entry: the file and its counts."""
    return {"kind": import_file.ACTIONS, "file": result.source, "actions_added": result.added,
            "overdue": result.overdue, "members": result.members,
            "unchanged": result.unchanged, "rejected": result.rejected + len(result.failed)}
