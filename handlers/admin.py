"""Administration: /admin add|remove, /admins, /audit, and CSV import by sending the file."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import action_import, parsing
from bot.audit_text import sentence
from bot.dates import short_moment
from bot.i18n import _, current, n_
from bot.ops import admin as ops
from bot.ops import imports
from handlers.common import esc, reply, reply_long
from handlers.context import BotContext
from handlers.menus import chat_menu
from storage.people import Viewer
from storage.wording import number

AUDIT_DEFAULT = 10
KEPT_IMPORTS = 5
LONG_IMPORT = 200  # rows from which the bot says it is importing before it starts


async def admin(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Add or remove an administrator by numeric Telegram id."""
    args = context.args or []
    if len(args) != 2 or args[0].lower() not in ("add", "remove"):
        raise parsing.BadInput(_("Say add or remove, then the numeric Telegram user id."))
    telegram_id = parsing.telegram_id(args[1])
    add = args[0].lower() == "add"
    change = ops.add_admin if add else ops.remove_admin
    await change(context.services, viewer, telegram_id)
    await chat_menu(context.application, telegram_id)
    if add:
        await reply(update, _("{telegram_id} is now an administrator.", telegram_id=telegram_id))
    else:
        await reply(update, _("{telegram_id} is no longer an administrator.",
                              telegram_id=telegram_id))


async def admins(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List the administrators."""
    found = await ops.list_admins(context.services, viewer)
    lines = [_("<b>Administrators</b> ({count})", count=len(found))]
    zone = _zone(context, viewer)
    lines += [_("• {name}, added by {who} ({when})", name=esc(a.name), who=esc(a.added_by),
                when=short_moment(a.added_at, zone, current())) for a in found]
    await reply_long(update, context, lines)


async def audit_log(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the latest audit entries."""
    args = context.args or []
    if len(args) > 1:
        raise parsing.BadInput(_("Give at most one number."))
    count = parsing.number(args[0], "count") if args else AUDIT_DEFAULT
    if not 1 <= count <= ops.AUDIT_MAX:
        raise parsing.BadInput(_("The number must be between 1 and {most}.", most=ops.AUDIT_MAX))
    entries = await ops.audit_log(context.services, viewer, count)
    zone = _zone(context, viewer)
    lines = [n_("<b>The latest change</b> (times in {zone})",
                "<b>Latest {count} changes</b> (times in {zone})", len(entries), zone=esc(zone))]
    lines += [_("• {when}: {what}", when=short_moment(e.at, zone, current()),
                what=esc(_short(sentence(e, zone)))) for e in entries]
    await reply_long(update, context, lines)


def _zone(context: BotContext, viewer: Viewer) -> str:
    """The reader's zone, or the secretariat's for an administrator without a contact record."""
    return viewer.timezone if viewer.is_linked else context.services.settings.timezone


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def upload(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Check a CSV file sent to the bot (contacts or action items, by its header) and offer to
    import it."""
    document = update.effective_message.document
    if document.file_size and document.file_size > action_import.MAX_BYTES:
        await reply(update, _("This file is too large to import (at most {size} MB).",
                              size=action_import.MAX_BYTES // 1_000_000))
        return
    telegram_file = await context.bot.get_file(document.file_id)
    content = bytes(await telegram_file.download_as_bytearray())
    checked = await imports.check_file(context.services, viewer, content)
    lines = [esc(line) for line in checked.report]
    if not checked.importable:
        await reply_long(update, context, lines + [_("Nothing was imported.")])
        return
    token = _keep(context, document.file_name or _("the file"), content)
    rows = len(checked.plan.rows)
    label = (n_("Import the valid row", "Import the {count} valid rows", rows)
             if checked.plan.errors else n_("Import 1 row", "Import {count} rows", rows))
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"imp:{token}"),
                                     InlineKeyboardButton(_("Cancel"), callback_data="imp:no")]])
    await reply_long(update, context, lines + [_("Nothing is written until you confirm.")])
    await reply(update, _("Import now?"), reply_markup=buttons)


def _keep(context: BotContext, name: str, content: bytes) -> str:
    """Keep a checked file until its button is pressed (the last few only); returns its token."""
    kept: dict[str, tuple[str, bytes]] = context.user_data.setdefault("imports", {})
    token = str(context.user_data.get("imports_next", 1))
    context.user_data["imports_next"] = int(token) + 1
    kept[token] = (name, content)
    for old in list(kept)[:-KEPT_IMPORTS]:
        del kept[old]
    return token


async def confirm_import(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Import the valid rows of a checked file once the administrator confirmed."""
    query = update.callback_query
    token = context.match.group(1)
    kept = context.user_data.get("imports", {}).pop(token, None)
    await query.answer()
    if token == "no" or kept is None:
        text = _("Nothing was imported.") if token == "no" else \
            _("This import has expired; please send the file again.")
        await query.edit_message_text(text)
        return
    name, content = kept
    # The file is read and checked again rather than trusting a plan kept in memory between two
    # updates.
    checked = await imports.check_file(context.services, viewer, content)
    rows = len(checked.plan.rows)
    if not checked.importable:
        await query.edit_message_text(_("Nothing was imported: the file no longer passes its "
                                        "check; please send it again to see the report."))
        return
    if rows >= LONG_IMPORT:
        # Said before the transaction opens: operations never wait on Telegram inside one.
        await query.edit_message_text(_("Importing {count} rows from {file}…",
                                        count=number(rows), file=esc(name)))
    result = await imports.apply_checked(context.services, viewer, checked, source=name)
    await query.edit_message_text("\n".join(esc(line) for line in imports.summary(result)))
