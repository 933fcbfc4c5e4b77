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
from bot.importer import Problem
from storage.models import ActionStatus

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
        plan.fatal = "The file has a header but no rows."
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
        raise parsing.BadInput("the member is missing")
    member = parsing.member(cells["member"])
    if not cells.get("due"):
        raise parsing.BadInput("the due date is missing")
    due = parsing.day(cells["due"])
    if not cells.get("title"):
        raise parsing.BadInput("the title is missing")
    title = parsing.text(cells["title"], "title", limit=300)
    row = ActionRow(line=line, member=member, due=due, title=title)
    status = (cells.get("status") or "").lower().replace(" ", "_").replace("-", "_")
    if status:
        if status not in STATUSES:
            raise parsing.BadInput(f"status “{parsing.quote(cells['status'])}” is not one of "
                                   f"{', '.join(STATUSES)}")
        row.status = status
    if cells.get("meeting"):
        row.meeting = parsing.number(cells["meeting"].lstrip("#"), "meeting")
    if cells.get("assignee_email"):
        row.assignee_email = parsing.email(cells["assignee_email"])
    return row


def report(plan: ActionPlan) -> list[str]:
    """The validation report, plain text, one line each."""
    if plan.fatal:
        return [f"Cannot import: {plan.fatal}"]
    lines = [f"{len(plan.rows) + len(plan.errors):,} action rows read: {len(plan.rows):,} "
             f"valid, {len(plan.errors):,} rejected."]
    if plan.unknown_columns:
        lines.append("Unknown columns, ignored: " + ", ".join(plan.unknown_columns))
    lines += [f"line {p.line}: {p.reason}" for p in sorted(plan.errors, key=lambda p: p.line)]
    return lines


def summary(result: ActionResult) -> list[str]:
    """What an import wrote, plain text, one line each."""
    rejected = result.rejected + len(result.failed)
    if not result.changed:
        lines = [f"Nothing changed: no action item added, {result.unchanged:,} already "
                 f"recorded, {rejected:,} rejected."]
    else:
        items = "action item" if result.added == 1 else "action items"
        lines = [f"Imported {result.source}: {result.added:,} {items} added for "
                 f"{result.members:,} members ({result.overdue:,} already overdue), "
                 f"{result.unchanged:,} already recorded, {rejected:,} rejected."]
    lines += [f"line {p.line}: not imported: {p.reason}" for p in result.failed]
    return lines
