"""Reading an import file's header, shared by the contact import and the action import.

UTF-8 with or without a byte-order mark; comma- or semicolon-separated; the header row names the
columns (case and spaces ignored). The header decides the kind of file: `code` and `name` make a
contact file (`bot.importer`), `member`, `due` and `title` an action file (`bot.action_import`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from bot.i18n import N_, _
from storage.wording import either, number

CONTACTS = "contacts"
ACTIONS = "actions"
KINDS = {CONTACTS: ("code", "name"), ACTIONS: ("member", "due", "title")}
UNKNOWN_KIND = N_("The header row names neither a contact file (columns code and name) nor an "
                  "action file (columns member, due and title).")


def _header_of(text: str) -> tuple[Any, list[str]] | str:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        return _("The file is empty.")
    except csv.Error as exc:
        return _("The header row cannot be read ({error}).", error=exc)
    return reader, header


def open_csv(content: bytes, required: tuple[str, ...],
             max_bytes: int) -> tuple[Any, list[str]] | str:
    """A CSV reader past the header, and the header; or one sentence saying why the file is
    unusable."""
    if len(content) > max_bytes:
        return _("The file is larger than {size} MB.", size=max_bytes // 1_000_000)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text; save it as “CSV UTF-8”.")
    opened = _header_of(text)
    if isinstance(opened, str):
        return opened
    header = opened[1]
    missing = [c for c in required if c not in header]
    if missing:
        present = ", ".join(h for h in header if h)
        if not present:
            return _("The header row has no {columns} column (it has no columns at all).",
                     columns=either(missing))
        return _("The header row has no {columns} column (it has: {present}).",
                 columns=either(missing), present=present)
    return opened


def kind_of(content: bytes) -> str | None:
    """`contacts` or `actions` by the file's header; None when the header is neither (a file
    that cannot be read at all is left to the contact import, which says why)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CONTACTS
    opened = _header_of(text)
    if isinstance(opened, str):
        return CONTACTS
    header = set(opened[1])
    for kind, required in KINDS.items():
        if set(required) <= header:
            return kind
    return None


class TooManyRows(Exception):
    """The file has more rows than one import takes; the message says so."""


def rows(reader: Any, header: list[str],
         max_rows: int) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Each non-empty row past the header, by line number: its cells by column, or one sentence
    saying why it cannot be read. A row past `max_rows` raises TooManyRows."""
    count = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            count += 1
            yield reader.line_num, _("cannot be read ({error})", error=exc)
            continue
        if not any(v.strip() for v in values):
            continue
        if count >= max_rows:
            raise TooManyRows(_("The file has more than {count} rows; split it.",
                                 count=number(max_rows)))
        count += 1
        if len(values) > len(header):
            yield reader.line_num, _("has {cells} cells but the header has {columns} columns",
                                     cells=len(values), columns=len(header))
            continue
        yield reader.line_num, {h: v.strip() for h, v in zip(header, values, strict=False) if h}
