"""/digest [preview] (with its confirmation) and /outbox: administrators see and steer the
mail."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.dates import full_day
from bot.i18n import N_, _, current, n_
from bot.mail.digest import WOULD_QUEUE
from bot.mail.operator import summary_lines
from bot.ops import mail
from bot.ops.mail import DigestPreview
from bot.parsing import BadInput, email, quote
from handlers.common import esc, reply
from handlers.context import BotContext
from storage.people import Viewer

RETRY_FAILURES = "outbox:retry"
DIGEST_BUTTON = "dig"
DIGEST_DATA = re.compile(r"^dig:(send|no):([0-9]{1,9})$")
PENDING, SENT, CANCELLED = "pending", "sent", "cancelled"
USED = {SENT: N_("This digest was already queued; nothing more was sent."),
        CANCELLED: N_("This digest was cancelled; nothing was queued. Send /digest to ask "
                      "again.")}
ASK_LIFETIME = timedelta(minutes=30)
KEPT_ASKS = 5
TELEGRAM_LIMIT = 3900  # under Telegram's 4096 characters, with room for markup


async def digest_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Ask before queueing the digest for everybody, or preview your own digest by email."""
    args = context.args or []
    if len(args) == 1 and args[0].lower() == "preview":
        await reply(update, _preview_text(await mail.preview_digest(context.services, viewer)))
        return
    if args:
        raise BadInput(_("/digest takes nothing or “preview”, not “{text}”.",
                         text=quote(" ".join(args))))
    plan = await mail.digest_plan(context.services, viewer)
    count = plan.count(WOULD_QUEUE)
    if not count:
        await reply(update, _("There is no digest to send now ({summary}).",
                              summary=esc(plan.summary())))
        return
    token = _ask_once(context)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Send"), callback_data=f"{DIGEST_BUTTON}:send:{token}"),
        InlineKeyboardButton(_("Cancel"), callback_data=f"{DIGEST_BUTTON}:no:{token}"),
    ]])
    question = n_("1 recipient; send now?", "{count} recipients; send now?", count)
    if count < len(plan.entries):  # say who else would get nothing, and why
        question += f"\n{esc(plan.summary())}"
    await reply(update, question, reply_markup=buttons)


def _ask_once(context: BotContext) -> str:
    """Remember a confirmation (the last few only) until one of its buttons is pressed."""
    asks: dict[str, dict] = context.user_data.setdefault("digest_asks", {})
    token = str(context.user_data.get("digest_asks_next", 1))
    context.user_data["digest_asks_next"] = int(token) + 1
    asks[token] = {"state": PENDING, "at": context.services.now()}
    for old in list(asks)[:-KEPT_ASKS]:
        del asks[old]
    return token


async def confirm_digest(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Queue the digest once the administrator pressed Send (dig:send:<n>), or drop it
    (dig:no:<n>); a confirmation is used once."""
    query = update.callback_query
    found = DIGEST_DATA.match(query.data or "")
    ask = context.user_data.get("digest_asks", {}).get(found[2]) if found else None
    if ask is None or context.services.now() - ask["at"] > ASK_LIFETIME:
        await query.answer(_("This confirmation has expired; send /digest again."),
                           show_alert=True)
        return
    if ask["state"] != PENDING:
        await query.answer(_(USED[ask["state"]]), show_alert=True)
        return
    if found[1] == "no":
        ask["state"] = CANCELLED
        await query.answer(_("Cancelled."))
        await query.edit_message_text(_("Cancelled: no digest was queued."))
        return
    ask["state"] = SENT  # before any await: a second press finds it used
    try:
        report = await mail.run_digest(context.services, viewer)
    except BaseException:
        ask["state"] = PENDING  # nothing was queued: the button may be pressed again
        raise
    await query.answer(_("Queued."))
    await query.edit_message_text(_("Digest: {summary}. The delivery worker sends them within "
                                    "a minute; see /outbox.", summary=esc(report.summary())))


def _preview_text(preview: DigestPreview) -> str:
    entry = preview.entry
    if preview.sent_to is None:
        text = entry.text[:TELEGRAM_LIMIT - 200] if entry else _("(nobody has one)")
        return _("Preview (your account is not linked to an email, so here is {name}'s "
                 "digest):\n\n<pre>{text}</pre>\n\n{summary}",
                 name=esc(entry.name if entry else "-"), text=esc(text),
                 summary=esc(preview.summary))
    subject = entry.subject if entry else ""
    return _("A preview of the digest went to {email} only ({subject}).\nA real run now: "
             "{summary}.", email=esc(preview.sent_to), subject=esc(subject),
             summary=esc(preview.summary))


def _chunks(lines: list[str]) -> list[str]:
    chunks, current = [], ""
    for line in lines:
        piece = esc(line) + "\n"
        if current and len(current) + len(piece) > TELEGRAM_LIMIT:
            chunks.append(current)
            current = ""
        current += piece[:TELEGRAM_LIMIT]
    return chunks + ([current] if current else [])


async def outbox_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show mail counts, the oldest pending message and every failure; with `clear <address>`,
    mail that address again."""
    if context.args:
        await clear_address(update, context, viewer)
        return
    summary = await mail.outbox_summary(context.services, viewer)
    chunks = _chunks(summary_lines(summary))
    for chunk in chunks[:-1]:
        await reply(update, chunk)
    markup = None
    if summary.failures:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Retry failures"), callback_data=RETRY_FAILURES)]]
        )
    await reply(update, chunks[-1], reply_markup=markup)


async def retry_failures(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Put every failed message back in the queue."""
    count = await mail.retry_failures(context.services, viewer)
    query = update.callback_query
    await query.answer(n_("1 message queued again.", "{count} messages queued again.", count))
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as problem:  # a second press: the buttons are gone already
        if "not modified" not in str(problem).lower():
            raise
    await reply(update, n_("1 failed message is queued again; /outbox shows progress.",
                           "{count} failed messages are queued again; /outbox shows progress.",
                           count))


async def clear_address(update: Update, context: BotContext, viewer: Viewer) -> None:
    """`/outbox clear <address>`: mail goes again to an address that bounced (its mailbox was
    repaired)."""
    args = context.args or []
    if len(args) != 2 or args[0].lower() != "clear":
        raise BadInput(_("Write clear, then the address that bounced."))
    address = email(args[1])
    since = await mail.clear_bounces(context.services, viewer, address)
    day = full_day(since.astimezone(context.services.settings.tz).date(), current())
    await reply(update, _("Mail goes to {address} again (it had bounced since {day}). Messages "
                          "held back meanwhile stay unsent.", address=esc(address), day=day))
