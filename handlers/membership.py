"""Membership: /members, /steering, /troika, /focal, /whoami, and the admin commands that change
members, the steering group, the troika and focal points."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import dates, parsing
from bot.i18n import N_, _, current, n_
from bot.names import region_name
from bot.ops import membership as ops
from handlers.choices import offering
from handlers.common import esc, is_private, reply, reply_long
from handlers.context import BotContext
from handlers.formatting import member_name
from storage.members import TROIKA_ORDER, Unclear
from storage.models import Member
from storage.people import Viewer

ORGANISATIONS = N_("Organisations")
TROIKA_LABELS = {"past": N_("Past chair: {member}"), "present": N_("Chair in office: {member}"),
                 "future": N_("Next chair: {member}")}
SEAT_TAKEN = {"past": N_("{member} now holds the past troika seat."),
              "present": N_("{member} now holds the present troika seat."),
              "future": N_("{member} now holds the future troika seat.")}
SEAT_TAKEN_FROM = {
    "past": N_("{member} now holds the past troika seat (instead of {previous})."),
    "present": N_("{member} now holds the present troika seat (instead of {previous})."),
    "future": N_("{member} now holds the future troika seat (instead of {previous})."),
}
ROLES = {"focal_point": N_("• focal point for {name} ({code})"),
         "steering_rep": N_("• steering-group representative for {name} ({code})"),
         "delegate": N_("• delegate for {name} ({code})")}
DIGESTS = {"weekly": N_("weekly"), "daily": N_("daily"), "off": N_("off")}
# Who the *_lines helpers read as when a caller (handlers.questions) names nobody: nothing they
# read depends on who asks, and no Telegram user has a negative id.


def _by_region(found: list[Member]) -> list[tuple[str, list[Member]]]:
    return [(region_name(region, current()) if region else _(ORGANISATIONS), list(group))
            for region, group in groupby(found, key=lambda m: m.region)]


async def members_lines(context: BotContext, viewer: Viewer,
                        region: str | None = None) -> list[str]:
    found = await ops.list_members(context.services, viewer, region)
    if not found:
        return [_("No members yet in this group: {region}.",
                  region=esc(region_name(region, current()))) if region
                else _("No members yet.")]
    lines = [_("<b>Members</b> ({count})", count=len(found))]
    for name, group in _by_region(found):
        lines.append(f"\n<b>{esc(name)}</b> ({len(group)})")
        lines += [f"• {member_name(m)}{' ★' if m.steering else ''}" for m in group]
    lines.append("\n" + _("★ steering group"))
    return lines


def _troika_lines(seats: dict[str, Member]) -> list[str]:
    lines = [_("<b>Troika</b>")]
    for role in TROIKA_ORDER:
        holder = seats.get(role)
        shown = member_name(holder) if holder else _("<i>not set</i>")
        lines.append(_(TROIKA_LABELS[role], member=shown))
    return lines


async def troika_lines(context: BotContext, viewer: Viewer) -> list[str]:
    return _troika_lines(await ops.troika(context.services, viewer))


async def steering_lines(context: BotContext, viewer: Viewer) -> list[str]:
    found = await ops.steering_group(context.services, viewer)
    lines = [n_("<b>Steering group</b> (1 member)", "<b>Steering group</b> ({count} members)",
                len(found.members))]
    for name, group in _by_region(found.members):
        lines.append(f"<b>{esc(name)}</b> ({len(group)}): "
                     + ", ".join(member_name(m) for m in group))
    return lines + [""] + _troika_lines(found.troika)


async def list_members(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List members by UN regional group, or one group's members."""
    text = " ".join(context.args or [])
    region = parsing.region(text) if text else None
    await reply_long(update, context, await members_lines(context, viewer, region))


async def show_steering(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the steering group by region with counts, and the troika."""
    await reply_long(update, context, await steering_lines(context, viewer))


async def change_steering(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add a member to the steering group or remove it (its code or its name)."""
    args = context.args or []
    if len(args) < 2 or args[0].lower() not in ("add", "remove"):
        raise parsing.BadInput(_("Say add or remove, then the member's code or name."))
    fields = {"on": args[0].lower() == "add", "code": parsing.member(" ".join(args[1:]))}
    await offering(update, context, viewer, "steering", fields, steering_change)


async def steering_change(update: Update, context: BotContext, viewer: Viewer,
                          fields: dict) -> None:
    member = await ops.set_steering(context.services, viewer, fields["code"], fields["on"])
    if fields["on"]:
        await reply(update, _("{member} joined the steering group.", member=member_name(member)))
    else:
        await reply(update, _("{member} left the steering group.", member=member_name(member)))


async def show_troika(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the past, present and future chairs."""
    await reply(update, "\n".join(await troika_lines(context, viewer)))


async def set_troika(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Give a troika seat to a member (its code or its name)."""
    args = context.args or []
    if len(args) < 2:
        raise parsing.BadInput(_("Give the seat (past, present or future) and the member."))
    fields = {"role": parsing.troika_role(args[0]), "code": parsing.member(" ".join(args[1:]))}
    await offering(update, context, viewer, "troika", fields, troika_change)


async def troika_change(update: Update, context: BotContext, viewer: Viewer,
                        fields: dict) -> None:
    role = fields["role"]
    member, previous = await ops.set_troika(context.services, viewer, role, fields["code"])
    if previous:
        await reply(update, _(SEAT_TAKEN_FROM[role], member=member_name(member),
                              previous=member_name(previous)))
    else:
        await reply(update, _(SEAT_TAKEN[role], member=member_name(member)))


async def focal_lines(context: BotContext, viewer: Viewer, query: str, *,
                      show_email: bool, found: ops.FocalAnswer | None = None) -> list[str]:
    """A member's focal points, or the candidates when the name is ambiguous."""
    found = found or await ops.focal_points(context.services, viewer, query)
    if found.member is None:
        if not found.candidates:
            return [_("I know no member called “{name}”; send /members to list them.",
                      name=esc(parsing.quote(query)))]
        return [_("Which one do you mean?"),
                *(f"• {member_name(m)}: /focal {esc(m.code)}" for m in found.candidates)]
    if not found.people:
        return [_("{member} has no focal point on record.", member=member_name(found.member))]
    lines = [n_("Focal point for {member}:", "Focal points for {member}:", len(found.people),
                member=member_name(found.member))]
    for person in found.people:
        contact = f" — {esc(person.email)}" if show_email else ""
        if person.id in found.bouncing:  # administrators only (bot/mail/inbound)
            since = found.bouncing[person.id].astimezone(ZoneInfo(viewer.timezone)).date()
            contact += " — " + _("address bounces since {day}",
                                 day=esc(dates.full_day(since, current())))
        lines.append(f"• {esc(person.name)}{contact}")
    return lines


async def focal(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show a member's focal point (loose name matching)."""
    query = " ".join(context.args or [])
    if not query:
        raise parsing.BadInput(_("Tell me which member."))
    if len(query) > 100:
        raise parsing.BadInput(_("That name is too long for a member."))
    await offering(update, context, viewer, "focal", {"code": query}, show_focal)


async def show_focal(update: Update, context: BotContext, viewer: Viewer, fields: dict) -> None:
    found = await ops.focal_points(context.services, viewer, fields["code"])
    if found.member is None and found.candidates:
        raise Unclear(fields["code"], found.candidates)
    lines = await focal_lines(context, viewer, fields["code"], show_email=is_private(update),
                              found=found)
    await reply(update, "\n".join(lines))


async def whoami(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the asking user's contact record and roles."""
    found = await ops.contact_card(context.services, viewer)
    if found is None:
        await reply(update, _("You are an administrator (Telegram id {telegram_id}) without a "
                              "linked contact record.", telegram_id=viewer.telegram_id))
        return
    person = found.person
    roles = [_(ROLES[role], name=esc(name), code=esc(code)) if role in ROLES
             else f"• {esc(role)}: {esc(name)} ({esc(code)})"
             for code, name, role in found.roles] or [_("• no role on record")]
    digest = _(DIGESTS[person.digest]) if person.digest in DIGESTS else person.digest
    await reply(update, "\n".join([
        f"<b>{esc(person.name)}</b> — {esc(person.email)}", *roles,
        _("Time zone: {zone}; language: {language}; digest: {digest}; reminders: {reminders}",
          zone=esc(person.timezone), language=esc(person.language), digest=esc(digest),
          reminders=_("on") if person.reminders else _("off")),
        _("Administrator: yes. Change preferences: /settings") if viewer.is_admin
        else _("Administrator: no. Change preferences: /settings"),
    ]))


async def add_member(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add a member (a state by its ISO code, or an organisation)."""
    args = context.args or []
    if len(args) < 2:
        raise parsing.BadInput(_("I need a code and a name."))
    await create_member(update, context, viewer, parsing.code(args[0]),
                        parsing.text(" ".join(args[1:]), "name", limit=200))


async def create_member(update: Update, context: BotContext, viewer: Viewer, code: str,
                        name: str) -> None:
    """Add the member and confirm (shared by the command and the guided form)."""
    member = await ops.add_member(context.services, viewer, code, name)
    if member.kind == "state":
        text = _("Added {member}: state, {region}.", member=member_name(member),
                 region=esc(region_name(member.region, current()) or "-"))
    elif member.region:
        text = _("Added {member}: organisation, {region}.", member=member_name(member),
                 region=esc(region_name(member.region, current())))
    else:
        text = _("Added {member}: organisation, no regional group.",
                 member=member_name(member))
    await reply(update, text)


async def remove_member(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Ask for confirmation before removing a member (its code or its name)."""
    if not context.args:
        raise parsing.BadInput(_("Tell me the code or the name of the member to remove."))
    fields = {"code": parsing.member(" ".join(context.args))}
    await offering(update, context, viewer, "removemember", fields, ask_removal)


async def ask_removal(update: Update, context: BotContext, viewer: Viewer,
                      fields: dict) -> None:
    member = await ops.find_member(context.services, viewer, fields["code"])
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Yes, remove {code}", code=member.code),
                             callback_data=f"rmm:{member.code}"),
        InlineKeyboardButton(_("No, keep it"), callback_data="rmm:no"),
    ]])
    await reply(update, _("Remove {member}? Its history is kept.", member=member_name(member)),
                reply_markup=buttons)


async def confirm_remove(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Remove the member once the administrator confirmed (rmm:<code> or rmm:no)."""
    query = update.callback_query
    choice = context.match.group(1)
    if choice == "no":
        await query.answer()
        await query.edit_message_text(_("Nothing was removed."))
        return
    member = await ops.remove_member(context.services, viewer, parsing.code(choice))
    await query.answer(_("Removed."))
    await query.edit_message_text(_("Removed {member}; its history is kept.",
                                    member=member_name(member)))


def parse_focal(args: list[str]) -> dict:
    """`<code or name> <email> <full name> [telegram id]` -> set_focal's fields (the member is
    every word before the email address)."""
    at = next((i for i, arg in enumerate(args) if "@" in arg and i), 1)
    if len(args) < at + 2:
        raise parsing.BadInput(_("I need a member code, an email address and a full name."))
    telegram_id = None
    if len(args) > at + 2 and args[-1].isascii() and args[-1].isdigit():
        telegram_id = parsing.telegram_id(args[-1])
        args = args[:-1]
    return dict(code=parsing.member(" ".join(args[:at])), email=parsing.email(args[at]),
                name=parsing.text(" ".join(args[at + 1:]), "name", limit=200),
                telegram_id=telegram_id)


async def save_focal(update: Update, context: BotContext, viewer: Viewer,
                     fields: dict) -> None:
    """Set the focal point and confirm (shared by the command, the guided form and the
    "did you mean" buttons)."""
    await offering(update, context, viewer, "setfocal", fields, _save_focal)


async def _save_focal(update: Update, context: BotContext, viewer: Viewer,
                      fields: dict) -> None:
    change = await ops.set_focal(context.services, viewer, **fields)
    lines = [_("{name} ({email}) is now the focal point for {member}.",
               name=esc(change.person.name), email=esc(change.person.email),
               member=member_name(change.member))]
    if change.previous:
        lines.append(_("Replaced: {names}.",
                       names=", ".join(esc(p.name) for p in change.previous)))
    if fields.get("telegram_id"):
        lines.append(_("Their Telegram account is linked."))
    await reply(update, " ".join(lines))


async def set_focal(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Set a member's focal point (optionally linking their Telegram id)."""
    await save_focal(update, context, viewer, parse_focal(context.args or []))
