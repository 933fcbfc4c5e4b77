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

CONTACTS = "contacts"
ACTIONS = "actions"
KINDS = {CONTACTS: ("code", "name"), ACTIONS: ("member", "due", "title")}
UNKNOWN_KIND = ("The header row names neither a contact file (columns code and name) nor an "
                "action file (columns member, due and title).")


def _header_of(text: str) -> tuple[Any, list[str]] | str:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        return "The file is empty."
    except csv.Error as exc:
        return f"The header row cannot be read ({exc})."
    return reader, header


def open_csv(content: bytes, required: tuple[str, ...],
             max_bytes: int) -> tuple[Any, list[str]] | str:
    """A CSV reader past the header, and the header; or one sentence saying why the file is
    unusable."""
    if len(content) > max_bytes:
        return f"The file is larger than {max_bytes // 1_000_000} MB."
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "The file is not UTF-8 text; save it as “CSV UTF-8”."
    opened = _header_of(text)
    if isinstance(opened, str):
        return opened
    header = opened[1]
    missing = [c for c in required if c not in header]
    if missing:
        return (f"The header row has no {' or '.join(missing)} column "
                f"(it has: {', '.join(h for h in header if h) or 'nothing'}).")
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
            yield reader.line_num, f"cannot be read ({exc})"
            continue
        if not any(v.strip() for v in values):
            continue
        if count >= max_rows:
            raise TooManyRows(f"The file has more than {max_rows:,} rows; split it.")
        count += 1
        if len(values) > len(header):
            yield reader.line_num, (f"has {len(values)} cells but the header has "
                                    f"{len(header)} columns")
            continue
        yield reader.line_num, {h: v.strip() for h, v in zip(header, values, strict=False) if h}
