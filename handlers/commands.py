"""The shapes of the command registry (`handlers/registry.py`) and what is derived from it:
who may use a command, its usage line, /help, and the command menus.

A row names a command and its role once; registration, the guard, /help, setMyCommands, the
usage line of an error and the README check all read the same row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, Update

from bot.i18n import N_, _
from storage.people import Viewer

EVERYONE, LINKED, ADMIN = "everyone", "linked", "admin"
ROLE_TITLES = {EVERYONE: N_("For everyone"), LINKED: N_("For linked contacts"),
               ADMIN: N_("For administrators")}  # shown through _()

# A guarded callback: the update, the context and who is asking (loaded once by the guard).
Guarded = Callable[[Update, Any, Viewer], Awaitable[object]]


@dataclass(frozen=True)
class Access:
    """Who may do something, and how it is written when the input is wrong."""

    name: str
    role: str
    usage: str = ""  # the right form; "/name" when empty
    example: str = ""

    @property
    def usage_line(self) -> str:
        return self.usage or f"/{self.name}"


@dataclass(frozen=True)
class Ask:
    """One question of a guided form: `check` turns the answer into a value or raises BadInput."""

    key: str
    prompt: str
    check: Callable[[str, dict[str, Any]], object]
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    """A guided form: its questions, then `finish` does what the command does."""

    title: str
    questions: tuple[Ask, ...]
    finish: Callable[[Update, Any, Viewer, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Command(Access):
    """One row of the registry."""

    summary: str = ""  # marked with N_ in the registry, shown through _()
    callback: Guarded | None = None
    form: Form | None = field(default=None, compare=False)  # asked when sent without arguments
    with_args: bool = False  # of two rows with one name, this one takes the arguments
    private: bool = False  # personal (e.g. /start, /link): refused in groups like LINKED/ADMIN


def private_only(access: Access) -> bool:
    """Whether groups are refused this: everything but public commands and buttons."""
    return access.role in (ADMIN, LINKED) or (isinstance(access, Command) and access.private)


@dataclass(frozen=True)
class Button:
    """Callback data that fully matches `pattern` (ASCII, whole string; it starts with
    `prefix:`) goes to `callback`, guarded as `access` (None: an unguarded `(update, context)`
    callback), which reads the parsed groups from `context.match`. A group named `owner` holds
    the Telegram id of the person a card in a group belongs to: anyone else is refused."""

    prefix: str
    callback: Callable[..., Awaitable[object]]
    access: Access | None
    pattern: str = ""  # e.g. r"att:(\d{1,9}):(yes|no|maybe)"; registration requires one


def roles_of(viewer: Viewer) -> set[str]:
    roles = {EVERYONE}
    if viewer.is_linked or viewer.is_admin:
        roles.add(LINKED)
    if viewer.is_admin:
        roles.add(ADMIN)
    return roles


def commands_for(commands: tuple[Command, ...], viewer: Viewer) -> list[Command]:
    """The rows a viewer may use, in registry order."""
    roles = roles_of(viewer)
    return [c for c in commands if c.role in roles]


def menu(commands: tuple[Command, ...], roles: set[str]) -> list[BotCommand]:
    """The command menu for a set of roles (each command once, in registry order), its
    summaries in the current language."""
    seen: dict[str, BotCommand] = {}
    for entry in commands:
        if entry.role in roles and entry.name not in seen:
            seen[entry.name] = BotCommand(entry.name, _(entry.summary)[:256])
    return list(seen.values())
