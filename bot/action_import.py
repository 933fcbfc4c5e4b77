"""Bulk import of action items from CSV, shared by `fof-bot import` and the bot.

The file (README "The import file"): a header row; UTF-8 with or without a byte-order mark;
comma- or semicolon-separated; columns in any order: `member`, `due` and `title` required;
`assignee_email`, `meeting` and `status` optional. `member` is a code or a name written loosely;
`due` a day YYYY-MM-DD (a past day is accepted: the item is overdue at once, as with /addaction);
`status` open, in_progress, done or cancelled (open when empty); `meeting` a meeting number;
`assignee_email` the email of a recorded contact. Unknown columns are reported and ignored.

Here only reading and checking what the file alone can tell (pure functions) and the wording of
reports; `bot.ops.imports` checks the rows against what is recorded and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import import_file, parsing
from bot.i18n import _, n_
from bot.importer import Problem
from storage.models import ActionStatus
from storage.wording import number

REQUIRED = ("member", "due", "title")
OPTIONAL = ("assignee_email", "meeting", "status")
STATUSES = tuple(status.value for status in ActionStatus)
MAX_BYTES = 5_000_000
MAX_ROWS = 20_000


@dataclass
class ActionRow:
    line: int
    member: str  # as written; the operation resolves it
    due: date
    title: str
    status: str = ActionStatus.OPEN
    assignee_email: str | None = None
    meeting: int | None = None


@dataclass
class ActionPlan:
    rows: list[ActionRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    fatal: str | None = None

    @property
    def has_errors(self) -> bool:
        return self.fatal is not None or bool(self.errors)


@dataclass
class ActionResult:
    """What an action import did; `rejected` counts the rows the checks refused."""

    source: str = "the file"
    added: int = 0
    overdue: int = 0  # of those added, still open and due before today
    members: int = 0  # distinct members the added items belong to
    unchanged: int = 0  # rows already recorded (same member, title and due date): not added
    failed: list[Problem] = field(default_factory=list)  # rows refused inside the transaction
    rejected: int = 0

    @property
    def changed(self) -> bool:
        return self.added > 0


def parse_csv(content: bytes) -> ActionPlan:
    """Read and check the file; nothing is written and nothing recorded is consulted."""
    opened = import_file.open_csv(content, REQUIRED, MAX_BYTES)
    if isinstance(opened, str):
        return ActionPlan(fatal=opened)
    reader, header = opened
    plan = ActionPlan(unknown_columns=[h for h in header if h not in REQUIRED + OPTIONAL])
    _read_rows(reader, header, plan)
    if not plan.rows and not plan.errors and plan.fatal is None:
        plan.fatal = _("The file has a header but no rows.")
    return plan


def _read_rows(reader: Any, header: list[str], plan: ActionPlan) -> None:
    """Add each row to the plan's rows or its errors; too many rows make the plan fatal."""
    try:
        for line, cells in import_file.rows(reader, header, MAX_ROWS):
            if isinstance(cells, str):
                plan.errors.append(Problem(line, cells))
                continue
            try:
                plan.rows.append(_row(line, cells))
            except parsing.BadInput as problem:
                plan.errors.append(Problem(line, str(problem)))
    except import_file.TooManyRows as too_many:
        plan.fatal = str(too_many)


def _row(line: int, cells: dict[str, str]) -> ActionRow:
    if not cells.get("member"):
        raise parsing.BadInput(_("the member is missing"))
    member = parsing.member(cells["member"])
    if not cells.get("due"):
        raise parsing.BadInput(_("the due date is missing"))
    due = parsing.day(cells["due"])
    if not cells.get("title"):
        raise parsing.BadInput(_("the title is missing"))
    title = parsing.text(cells["title"], "title", limit=300)
    row = ActionRow(line=line, member=member, due=due, title=title)
    status = (cells.get("status") or "").lower().replace(" ", "_").replace("-", "_")
    if status:
        if status not in STATUSES:
            raise parsing.BadInput(_("status “{value}” is not one of {statuses}",
                                     value=parsing.quote(cells["status"]),
                                     statuses=", ".join(STATUSES)))
        row.status = status
    if cells.get("meeting"):
        row.meeting = parsing.number(cells["meeting"].lstrip("#"), "meeting")
    if cells.get("assignee_email"):
        row.assignee_email = parsing.email(cells["assignee_email"])
    return row


def report(plan: ActionPlan) -> list[str]:
    """The validation report, plain text, one line each."""
    if plan.fatal:
        return [_("Cannot import: {reason}", reason=plan.fatal)]
    read = len(plan.rows) + len(plan.errors)
    lines = [n_("{number} action row read: {valid} valid, {rejected} rejected.",
                "{number} action rows read: {valid} valid, {rejected} rejected.", read,
                number=number(read), valid=number(len(plan.rows)),
                rejected=number(len(plan.errors)))]
    if plan.unknown_columns:
        lines.append(_("Unknown columns, ignored: {columns}",
                       columns=", ".join(plan.unknown_columns)))
    lines += [_("line {line}: {reason}", line=p.line, reason=p.reason)
              for p in sorted(plan.errors, key=lambda p: p.line)]
    return lines


def summary(result: ActionResult) -> list[str]:
    """What an import wrote, plain text, one line each."""
    rejected = result.rejected + len(result.failed)
    if not result.changed:
        lines = [_("Nothing changed: no action item added, {recorded} already recorded, "
                   "{rejected} rejected.", recorded=number(result.unchanged),
                   rejected=number(rejected))]
    else:
        lines = [n_("Imported {file}: {number} action item added for {members} members "
                    "({overdue} already overdue), {recorded} already recorded, {rejected} "
                    "rejected.",
                    "Imported {file}: {number} action items added for {members} members "
                    "({overdue} already overdue), {recorded} already recorded, {rejected} "
                    "rejected.", result.added, file=result.source, number=number(result.added),
                    members=number(result.members), overdue=number(result.overdue),
                    recorded=number(result.unchanged), rejected=number(rejected))]
    lines += [_("line {line}: not imported: {reason}", line=p.line, reason=p.reason)
              for p in result.failed]
    return lines
