"""Values read from the database, kept until anyone commits.

`storage.db.ChangeCounter` (SQLite's `PRAGMA data_version`) changes with every commit by any
connection of any process, and reading it costs microseconds. A value read under one count is
still exact while the count is unchanged, so the reads that every update repeats are kept here:
the viewer (every update) and the counts behind "page 1 / N" (`/actions` counts thousands of
rows, more than reading the page itself; the upcoming meetings' count also says until when it
holds). The count is read *before* the value, so a commit in between makes the next call read
again. Without a counter (PostgreSQL, in-memory SQLite) nothing is kept and every call reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from storage.db import ChangeCounter

T = TypeVar("T")

KEPT = 4096  # values at most; past that all are dropped and read again as asked


class UntilCommit:
    def __init__(self, changes: ChangeCounter | None) -> None:
        self._changes = changes
        self._kept: dict[Hashable, tuple[int, object]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]],
                  holds: Callable[[T], bool] | None = None) -> T:
        """The value kept under `key` if nobody committed since it was read (and `holds(value)`
        for a value that time alone can change), else `read()`."""
        version = self._changes() if self._changes is not None else None
        if version is None:
            return await read()
        kept = self._kept.get(key)
        if kept is not None and kept[0] == version and (holds is None or holds(kept[1])):
            return kept[1]  # type: ignore[return-value]
        value = await read()
        if len(self._kept) >= KEPT:
            self._kept.clear()
        self._kept[key] = (version, value)
        return value
