"""Action items: /actions, /action, /done, /note, and /addaction for administrators."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot import parsing
from bot.dates import short_day, short_moment
from handlers.common import esc, reply, reply_long
from handlers.context import BotContext
from handlers.formatting import action_line
from storage import actions, members
from storage.errors import Rejected
from storage.people import Viewer

FILTERS = ("open", "overdue", "mine", "all")


def today(context: BotContext) -> date:
    """Due dates are days in the secretariat's time zone."""
    services = context.services
    return services.clock.now().astimezone(services.settings.tz).date()


async def actions_lines(context: BotContext, viewer: Viewer, which: str = "open",
                        member_query: str | None = None, *, mine: bool = False) -> list[str]:
    """Action items as /actions shows them.

    `which` is open, overdue, all or mine; `member_query` a code or a loosely written name;
    `mine` keeps the asker's own (their members' and those assigned to them).
    """
    if which == "mine":
        which, mine = "open", True
    title = {"open": "Open action items", "overdue": "Overdue action items",
             "all": "All action items"}[which]
    codes: tuple[str, ...] | None = None
    person_id = None
    async with context.services.sessions() as session:
        if member_query is not None:
            found = await members.resolve(session, member_query)
            if found.member is None:
                names = ", ".join(f"{esc(m.name)} (/actions {esc(m.code)})"
                                  for m in found.candidates)
                return [f"Which member do you mean? {names}" if found.candidates else
                        f"I know no member called “{esc(parsing.quote(member_query))}”."]
            codes, title = (found.member.code,), f"{title} for {esc(found.member.name)}"
        elif mine:
            codes, person_id = viewer.member_codes, viewer.person_id
            title = f"Your {title[0].lower()}{title[1:]}"
        rows = await actions.list_actions(session, today=today(context), which=which,
                                          member_codes=codes, person_id=person_id)
    if not rows:
        return [f"<b>{title}</b>: none."]
    return [f"<b>{title}</b> ({len(rows)})",
            *(action_line(r, today(context), viewer.language) for r in rows),
            "Details: /action <i>number</i>"]


async def list_actions(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List action items: open (default), overdue, mine, all, or a member's."""
    argument = " ".join(context.args or []).strip()
    if len(argument) > 100:
        raise parsing.BadInput("That is too long for a filter or a member name.")
    if not argument or argument.lower() in FILTERS:
        lines = await actions_lines(context, viewer, argument.lower() or "open")
    else:
        lines = await actions_lines(context, viewer, "open", argument)
    await reply_long(update, context, lines)


def _action_id(context: BotContext) -> int:
    if not context.args:
        raise parsing.BadInput("Tell me which action item.")
    return parsing.number(context.args[0], "action item")


async def show_action(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show one action item with its history."""
    if len(context.args or []) != 1:
        raise parsing.BadInput("Tell me which action item.")
    action_id = _action_id(context)
    async with context.services.sessions() as session:
        detail = await actions.get_action(session, action_id)
    if detail is None:
        raise Rejected(f"There is no action item number {action_id}; see /actions.")
    lines = [action_line(detail.row, today(context), viewer.language)]
    if detail.row.assignee:
        lines.append(f"Assigned to {esc(detail.row.assignee)}")
    if detail.meeting_id:
        lines.append(f"From meeting /meeting {detail.meeting_id}")
    lines += [f"• {short_moment(n.at, viewer.timezone, viewer.language)} {esc(n.author)}: "
              f"{esc(n.text)}" for n in detail.notes] or ["No notes yet."]
    await reply_long(update, context, lines)


async def _check_owner(context: BotContext, viewer: Viewer, action_id: int) -> None:
    """Only the owning member's contacts and administrators change an action item."""
    async with context.services.sessions() as session:
        detail = await actions.get_action(session, action_id)
    if detail is None:
        raise Rejected(f"There is no action item number {action_id}; see /actions.")
    if not viewer.is_admin and detail.row.member_code not in viewer.member_codes:
        raise Rejected(f"Only contacts of {detail.row.member_name} and administrators may "
                       "change this action item.")


async def done(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Mark an action item done, with an optional note."""
    action_id = _action_id(context)
    note = " ".join(context.args[1:])
    note = parsing.text(note, "note", limit=1000, pipes=True) if note else None
    await _check_owner(context, viewer, action_id)
    async with context.services.sessions.begin() as session:
        await actions.mark_done(session, action_id=action_id, note=note,
                                author=viewer.name or f"administrator {viewer.telegram_id}",
                                actor=viewer.telegram_id, now=context.services.clock.now())
    await reply(update, f"Action item {action_id} is done. Thank you!")


async def note(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add a note to an action item."""
    action_id = _action_id(context)
    text = parsing.text(" ".join(context.args[1:]), "note", limit=1000, pipes=True)
    await _check_owner(context, viewer, action_id)
    async with context.services.sessions.begin() as session:
        await actions.add_note(session, action_id=action_id, text=text,
                               author=viewer.name or f"administrator {viewer.telegram_id}",
                               actor=viewer.telegram_id, now=context.services.clock.now())
    await reply(update, f"Note added to action item {action_id}.")


def parse_new_action(args: list[str]) -> dict:
    if len(args) < 3:
        raise parsing.BadInput("I need a member code, a due date and a title.")
    return dict(code=parsing.code(args[0]), due_date=parsing.day(args[1]),
                title=parsing.text(" ".join(args[2:]), "title", limit=300))


async def create_action(update: Update, context: BotContext, viewer: Viewer,
                        fields: dict) -> None:
    """Add the action item and confirm (shared by the command and the guided form)."""
    if fields["due_date"] < today(context):
        raise parsing.BadInput("The due date has already passed.")
    async with context.services.sessions.begin() as session:
        item = await actions.add_action(session, actor=viewer.telegram_id,
                                        now=context.services.clock.now(), **fields)
    await reply(update, f"Added action item {item.id}: {esc(item.title)}, due "
                        f"{short_day(item.due_date, viewer.language)}.")


async def add_action(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add an action item for a member."""
    await create_action(update, context, viewer, parse_new_action(context.args or []))
