"""Bulk import of members and contacts from CSV, shared by `fof-bot import` and the bot.

The file (DESIGN.md): a header row; UTF-8 with or without a byte-order mark; comma- or
semicolon-separated; columns in any order: `code` and `name` required; `kind`, `region`,
`steering`, `troika`, `focal_email`, `focal_name`, `focal_telegram_id`, `language`, `timezone`
optional. Unknown columns are reported and ignored. Every rejected row is named by its line number
with the reason. Empty optional cells change nothing.

Here only reading, checking and the wording of reports (pure functions) and the command line's
dialogue; `bot.ops.imports` writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot import import_file, parsing
from bot.i18n import N_, _, n_
from storage.imports import Recorded
from storage.models import MemberKind
from storage.people import LANGUAGES
from storage.regions import un_member_states
from storage.wording import number

REQUIRED = ("code", "name")
OPTIONAL = ("kind", "region", "steering", "troika", "focal_email", "focal_name",
            "focal_telegram_id", "language", "timezone")
YES = {"yes", "y", "true", "1", "x", "oui", "si", "sí"}
NO = {"no", "n", "false", "0", "non"}
MAX_BYTES = 2_000_000
SEAT_TWICE = {"past": N_("the past troika seat is already on line {line}"),
              "present": N_("the present troika seat is already on line {line}"),
              "future": N_("the future troika seat is already on line {line}")}
MAX_ROWS = 2_000


@dataclass
class ImportRow:
    line: int
    code: str
    name: str
    kind: str
    region: str | None
    steering: bool | None = None
    troika: str | None = None
    focal_email: str | None = None
    focal_name: str | None = None
    focal_telegram_id: int | None = None
    language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # rows kept with a value replaced
    unknown_columns: list[str] = field(default_factory=list)
    fatal: str | None = None  # the whole file is unusable

    @property
    def has_errors(self) -> bool:
        return self.fatal is not None or bool(self.errors)


@dataclass
class ImportResult:
    """What an import did, by member code; `rejected` counts the rows the check refused."""

    source: str = "the file"
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    focal_points: list[str] = field(default_factory=list)  # members whose focal point changed
    failed: list[Problem] = field(default_factory=list)  # rows the database refused
    rejected: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def parse_csv(content: bytes) -> ImportPlan:
    """Read and check the file; nothing is written."""
    opened = _open(content)
    if isinstance(opened, ImportPlan):
        return opened
    reader, header = opened
    plan = ImportPlan(unknown_columns=[h for h in header if h not in REQUIRED + OPTIONAL])
    _read_rows(reader, header, plan)
    if not plan.rows and not plan.errors and plan.fatal is None:
        plan.fatal = _("The file has a header but no rows.")
    return plan


def _open(content: bytes) -> tuple[Any, list[str]] | ImportPlan:
    """A CSV reader past the header, and the header; or a plan saying why the file is unusable."""
    opened = import_file.open_csv(content, REQUIRED, MAX_BYTES)
    return ImportPlan(fatal=opened) if isinstance(opened, str) else opened


def _read_rows(reader: Any, header: list[str], plan: ImportPlan) -> None:
    """Add each row to the plan's rows or its errors; too many rows make the plan fatal."""
    seen_codes: dict[str, int] = {}
    seen_telegram: dict[int, tuple[int, str]] = {}
    seen_troika: dict[str, int] = {}
    try:
        for line, cells in import_file.rows(reader, header, MAX_ROWS):
            if isinstance(cells, str):
                plan.errors.append(Problem(line, cells))
                continue
            try:
                row = _row(line, cells, plan.warnings)
                _check_unique(row, seen_codes, seen_telegram, seen_troika)
            except parsing.BadInput as problem:
                plan.errors.append(Problem(line, str(problem)))
                continue
            plan.rows.append(row)
    except import_file.TooManyRows as too_many:
        plan.fatal = str(too_many)


def _row(line: int, cells: dict[str, str], warnings: list[Problem]) -> ImportRow:
    if not cells.get("code"):
        raise parsing.BadInput(_("the code is missing"))
    code = parsing.code(cells["code"])
    name = parsing.text(cells.get("name", ""), "name", limit=200, pipes=True)
    state = un_member_states().get(code)
    kind = (cells.get("kind") or "").lower() or (
        MemberKind.STATE if state else MemberKind.ORGANISATION)
    if kind not in (MemberKind.STATE, MemberKind.ORGANISATION):
        raise parsing.BadInput(_("kind “{kind}” is neither state nor organisation",
                                 kind=parsing.quote(kind)))
    if kind == MemberKind.STATE and state is None:
        raise parsing.BadInput(_("{code} is not the ISO code of a UN member state", code=code))
    region = parsing.region(cells["region"]) if cells.get("region") else (
        state.region if state else None)
    row = ImportRow(line=line, code=code, name=name, kind=kind, region=region)
    steering = (cells.get("steering") or "").lower()
    if steering:
        if steering not in YES | NO:
            raise parsing.BadInput(_("steering “{value}” is not yes or no",
                                     value=parsing.quote(steering)))
        row.steering = steering in YES
    if cells.get("troika"):
        row.troika = parsing.troika_role(cells["troika"])
    if cells.get("focal_email"):
        row.focal_email = parsing.email(cells["focal_email"])
        if not cells.get("focal_name"):
            raise parsing.BadInput(_("focal_email is given without focal_name"))
        row.focal_name = parsing.text(cells["focal_name"], "focal name", limit=200, pipes=True)
    elif cells.get("focal_name") or cells.get("focal_telegram_id"):
        raise parsing.BadInput(_("a focal point needs focal_email"))
    if cells.get("focal_telegram_id"):
        row.focal_telegram_id = parsing.telegram_id(cells["focal_telegram_id"])
    if cells.get("language"):
        row.language = _language(line, cells["language"], warnings)
    if cells.get("timezone"):
        row.timezone = parsing.zone(cells["timezone"])
    return row


def _language(line: int, value: str, warnings: list[Problem]) -> str:
    """A language written loosely ("Français", "spanish", "en"); an unknown one is English,
    with a warning (the row is still imported)."""
    try:
        return parsing.language(value)
    except parsing.BadInput:
        warnings.append(Problem(line, _("language “{value}” is not one I can use ({languages}); "
                                        "English is used", value=parsing.quote(value),
                                        languages=", ".join(LANGUAGES.values()))))
        return "en"


def _check_unique(row: ImportRow, codes: dict[str, int],
                  telegram: dict[int, tuple[int, str]], troika: dict[str, int]) -> None:
    if row.code in codes:
        raise parsing.BadInput(_("{code} is already on line {line}", code=row.code,
                                 line=codes[row.code]))
    if row.troika and row.troika in troika:
        raise parsing.BadInput(_(SEAT_TWICE.get(row.troika, SEAT_TWICE["present"]),
                                 line=troika[row.troika]))
    if row.focal_telegram_id is not None:
        earlier = telegram.get(row.focal_telegram_id)
        if earlier is not None and earlier[1] != row.focal_email:
            raise parsing.BadInput(_("Telegram id {telegram_id} is already given to another "
                                     "email on line {line}",
                                     telegram_id=row.focal_telegram_id, line=earlier[0]))
        telegram[row.focal_telegram_id] = (row.line, row.focal_email or "")
    codes[row.code] = row.line
    if row.troika:
        troika[row.troika] = row.line


def report(plan: ImportPlan) -> list[str]:
    """The validation report, plain text, one line each."""
    if plan.fatal:
        return [_("Cannot import: {reason}", reason=plan.fatal)]
    read = len(plan.rows) + len(plan.errors)
    lines = [n_("{count} row read: {valid} valid, {rejected} rejected.",
                "{count} rows read: {valid} valid, {rejected} rejected.", read,
                valid=len(plan.rows), rejected=len(plan.errors))]
    if plan.unknown_columns:
        lines.append(_("Unknown columns, ignored: {columns}",
                       columns=", ".join(plan.unknown_columns)))
    lines += [_("line {line}: {reason}", line=p.line, reason=p.reason) for p in plan.errors]
    lines += [_("line {line}: warning: {reason}", line=p.line, reason=p.reason)
              for p in plan.warnings]
    return lines


def unchanged(row: ImportRow, now: Recorded | None) -> bool:
    """Whether importing this row would change nothing that is recorded.

    Empty optional cells change nothing, so only the values the row gives are compared; a focal
    point is unchanged when it is the member's only focal point with the same details.
    """
    if now is None:
        return False
    member = now.member
    if (member.name, member.kind, member.region) != (row.name, row.kind, row.region):
        return False
    if row.steering is not None and member.steering != row.steering:
        return False
    if row.troika is not None and member.troika != row.troika:
        return False
    return focal_unchanged(row, now)


def focal_unchanged(row: ImportRow, now: Recorded | None) -> bool:
    """Whether the row's focal point (if it names one) is already the member's only one."""
    if not row.focal_email:
        return True
    if now is None or len(now.focal) != 1:
        return False
    person = now.focal[0]
    given = {"email": row.focal_email.lower(), "name": row.focal_name or row.focal_email,
             "telegram_id": row.focal_telegram_id, "language": row.language,
             "timezone": row.timezone}
    return all(getattr(person, key) == value for key, value in given.items()
               if value is not None)


def _counts(result: ImportResult) -> dict[str, str]:
    added = len(result.added)
    return {"added": n_("{number} member added", "{number} members added", added,
                        number=number(added)),
            "updated": number(len(result.updated)), "unchanged": number(len(result.unchanged)),
            "rejected": number(result.rejected + len(result.failed))}


def summary(result: ImportResult) -> list[str]:
    """What an import wrote, plain text, one line each."""
    if not result.changed:
        lines = [_("Nothing changed: {added}, {updated} updated, {unchanged} unchanged, "
                   "{rejected} rejected.", **_counts(result))]
    else:
        focal = len(result.focal_points)
        lines = [_("Imported {file}: {added}, {updated} updated, {unchanged} unchanged, "
                   "{rejected} rejected; {focal}.", file=result.source,
                   focal=n_("{number} focal point changed", "{number} focal points changed",
                            focal, number=number(focal)), **_counts(result))]
    lines += [_("line {line}: not imported: {reason}", line=p.line, reason=p.reason)
              for p in result.failed]
    return lines
