"""/digest [preview] and /outbox: administrators see and steer the mail."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.mail.operator import summary_lines
from bot.ops import mail
from bot.ops.mail import DigestPreview
from handlers.common import esc, reply
from handlers.context import BotContext
from storage.people import Viewer

RETRY_FAILURES = "outbox:retry"
TELEGRAM_LIMIT = 3900  # under Telegram's 4096 characters, with room for markup


async def digest_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Build the digest now, or preview your own digest by email."""
    if context.args and context.args[0].lower() == "preview":
        await reply(update, _preview_text(await mail.preview_digest(context.services, viewer)))
        return
    report = await mail.run_digest(context.services, viewer)
    await reply(update, f"Digest: {esc(report.summary())}. The delivery worker sends them "
                        "within a minute; see /outbox.")


def _preview_text(preview: DigestPreview) -> str:
    entry = preview.entry
    if preview.sent_to is None:
        text = entry.text[:TELEGRAM_LIMIT - 200] if entry else "(nobody has one)"
        return (f"Preview (your account is not linked to an email, so here is "
                f"{esc(entry.name if entry else '-')}'s digest):\n\n"
                f"<pre>{esc(text)}</pre>\n\n{esc(preview.summary)}")
    subject = entry.subject if entry else ""
    return (f"A preview of the digest went to {esc(preview.sent_to)} only "
            f"({esc(subject)}).\nA real run now: {esc(preview.summary)}.")


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
    """Show mail counts, the oldest pending message and every failure."""
    summary = await mail.outbox_summary(context.services, viewer)
    chunks = _chunks(summary_lines(summary))
    for chunk in chunks[:-1]:
        await reply(update, chunk)
    markup = None
    if summary.failures:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Retry failures", callback_data=RETRY_FAILURES)]]
        )
    await reply(update, chunks[-1], reply_markup=markup)


async def retry_failures(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Put every failed message back in the queue."""
    count = await mail.retry_failures(context.services, viewer)
    query = update.callback_query
    await query.answer(f"{count} message(s) queued again.")
    await query.edit_message_reply_markup(reply_markup=None)
    await reply(update, f"{count} failed message(s) are queued again; /outbox shows progress.")
