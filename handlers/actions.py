"""Action items: /actions, /action, /done, /note, and /addaction for administrators."""

from __future__ import annotations

import re

from telegram import Update

from bot import parsing
from bot.dates import full_day, short_day, short_moment
from bot.i18n import N_, _, current
from bot.ops import actions as ops
from bot.ops.actions import PAGE_SIZE, ActionListing
from handlers.choices import offering
from handlers.common import Page, esc, page_loader, reply, reply_long, reply_paged
from handlers.context import BotContext
from handlers.formatting import action_line
from storage.members import Unclear
from storage.people import Viewer

DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
FILTERS = ("open", "overdue", "mine", "all")
# (the list, a member's list, the reader's own list): whole titles, shown through _()
TITLES = {
    "open": (N_("Open action items"), N_("Open action items for {member}"),
             N_("Your open action items")),
    "overdue": (N_("Overdue action items"), N_("Overdue action items for {member}"),
                N_("Your overdue action items")),
    "all": (N_("All action items"), N_("All action items for {member}"),
            N_("All your action items")),
}


def listing_lines(listing: ActionListing, query: str | None, language: str | None = None
                  ) -> list[str]:
    """Action items as /actions shows them (dates in `language`, the reader's by default)."""
    if listing.unknown:
        return [_("I know no member called “{name}”.", name=esc(parsing.quote(query or "")))]
    if listing.candidates:
        names = ", ".join(f"{esc(m.name)} (/actions {esc(m.code)})" for m in listing.candidates)
        return [_("Which member do you mean? {members}", members=names)]
    plain, for_member, yours = TITLES[listing.which]
    if listing.member is not None:
        title = _(for_member, member=esc(listing.member.name))
    else:
        title = _(yours) if listing.mine else _(plain)
    if not listing.total:
        return [_("<b>{title}</b>: none.", title=title)]
    first = [f"<b>{title}</b> ({listing.total})"] if listing.page == 0 else []
    last = [_("Details: /action <i>number</i>")] \
        if listing.page + 1 >= page_count(listing) else []
    return [*first, *(action_line(r, listing.today, language) for r in listing.rows), *last]


def page_count(listing: ActionListing) -> int:
    """How many pages of PAGE_SIZE items the listing has (its rows may be all, or one page)."""
    if len(listing.rows) == listing.total:
        return 1
    return max(1, -(-listing.total // PAGE_SIZE))


@page_loader("actions")
async def actions_page(context: BotContext, viewer: Viewer, asked: dict, number: int) -> Page:
    """Page `number` of /actions, read from the database (the page buttons call this too)."""
    member = asked.get("member")
    listing = await ops.list_actions(context.services, viewer, asked["which"], member,
                                     mine=asked.get("mine", False), page=number)
    if listing.candidates and not asked.get("name_them"):  # "did you mean" buttons
        raise Unclear(member or "", listing.candidates)
    return Page(listing_lines(listing, member, current()), page_count(listing))


async def actions_lines(context: BotContext, viewer: Viewer, which: str = "open",
                        member_query: str | None = None, *, mine: bool = False) -> list[str]:
    """Action items as /actions and plain questions show them."""
    listing = await ops.list_actions(context.services, viewer, which, member_query, mine=mine)
    return listing_lines(listing, member_query, current())


async def list_actions(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List action items: open (default), overdue, mine, all, or a member's."""
    argument = " ".join(context.args or []).strip()
    if len(argument) > 100:
        raise parsing.BadInput(_("That is too long for a filter or a member name."))
    if argument and argument.lower() not in FILTERS:
        await offering(update, context, viewer, "actions", {"code": argument}, member_actions)
        return
    await reply_paged(update, context, viewer, "actions", {"which": argument.lower() or "open"})


async def member_actions(update: Update, context: BotContext, viewer: Viewer,
                         fields: dict) -> None:
    """A member's open action items (its code or a loosely written name)."""
    await reply_paged(update, context, viewer, "actions", {"which": "open",
                                                           "member": fields["code"]})


def _action_id(context: BotContext) -> int:
    if not context.args:
        raise parsing.BadInput(_("Tell me which action item."))
    return parsing.number(context.args[0], "action item")


async def show_action(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show one action item with its history."""
    if len(context.args or []) != 1:
        raise parsing.BadInput(_("Tell me which action item."))
    detail = await ops.get_action(context.services, _action_id(context))
    language = current()
    lines = [action_line(detail.row, context.services.today(), language)]
    if detail.row.assignee:
        lines.append(_("Assigned to {person}", person=esc(detail.row.assignee)))
    if detail.meeting_id:
        lines.append(_("From meeting /meeting {number}", number=detail.meeting_id))
    lines += [f"• {short_moment(n.at, viewer.timezone, language)} {esc(n.author)}: "
              f"{esc(n.text)}" for n in detail.notes] or [_("No notes yet.")]
    await reply_long(update, context, lines)


async def done(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Mark an action item done, with an optional note."""
    action_id = _action_id(context)
    note = " ".join(context.args[1:])
    note = parsing.text(note, "note", limit=1000, pipes=True) if note else None
    await ops.mark_done(context.services, viewer, action_id, note)
    await reply(update, _("Action item {number} is done. Thank you!", number=action_id))


async def note(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add a note to an action item."""
    action_id = _action_id(context)
    text = parsing.text(" ".join(context.args[1:]), "note", limit=1000, pipes=True)
    await ops.add_note(context.services, viewer, action_id, text)
    await reply(update, _("Note added to action item {number}.", number=action_id))


def parse_new_action(args: list[str]) -> dict:
    """`<code or name> <YYYY-MM-DD> <title>`: the member is every word before the date."""
    at = next((i for i, arg in enumerate(args) if i and DATE_LIKE.match(arg)), 1)
    if len(args) < at + 2:
        raise parsing.BadInput(_("I need a member code, a due date and a title."))
    return dict(code=parsing.member(" ".join(args[:at])), due_date=parsing.day(args[at]),
                title=parsing.text(" ".join(args[at + 1:]), "title", limit=300))


async def create_action(update: Update, context: BotContext, viewer: Viewer,
                        fields: dict) -> None:
    """Add the action item and confirm (shared by the command, the guided form and the "did
    you mean" buttons)."""
    await offering(update, context, viewer, "addaction", fields, _create_action)


async def _create_action(update: Update, context: BotContext, viewer: Viewer,
                         fields: dict) -> None:
    added = await ops.add_action(context.services, viewer, **fields)
    item = added.item
    if added.overdue:
        await reply(update, _("Recorded action item {number}: {title}; it was due on {day}, so "
                              "it is already overdue.", number=item.id, title=esc(item.title),
                              day=full_day(item.due_date, current())))
        return
    await reply(update, _("Added action item {number}: {title}, due {day}.", number=item.id,
                          title=esc(item.title), day=short_day(item.due_date, current())))


async def add_action(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add an action item for a member."""
    await create_action(update, context, viewer, parse_new_action(context.args or []))
