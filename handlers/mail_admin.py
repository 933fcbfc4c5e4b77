"""/digest [preview] and /outbox: administrators see and steer the mail."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.mail.digest import build_digests, preview_digest
from bot.mail.operator import outbox_summary, summary_lines
from handlers.common import esc, reply
from handlers.context import BotContext
from storage import audit, mailing, outbox
from storage.audit import AuditAction
from storage.people import Viewer

RETRY_FAILURES = "outbox:retry"
TELEGRAM_LIMIT = 3900  # under Telegram's 4096 characters, with room for markup


async def digest_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Build the digest now, or preview your own digest by email."""
    services, now = context.services, context.services.clock.now()
    if context.args and context.args[0].lower() == "preview":
        async with services.sessions() as session:
            me = await mailing.person_by_telegram(session, update.effective_user.id)
        dry = await build_digests(services, now, dry_run=True)
        if me is None:
            sample = next((e for e in dry.entries if e.text), None)
            text = sample.text[:TELEGRAM_LIMIT - 200] if sample else "(nobody has one)"
            await reply(update, f"Preview (your account is not linked to an email, so here "
                                f"is {esc(sample.name if sample else '-')}'s digest):\n\n"
                                f"<pre>{esc(text)}</pre>\n\n{esc(dry.summary())}")
            return
        entry = await preview_digest(services, now, person_email=me.email,
                                     to_address=me.email, to_name=me.name)
        await reply(update, f"A preview of the digest went to {esc(me.email)} only "
                            f"({esc(entry.subject)}).\nA real run now: {esc(dry.summary())}.")
        return
    report = await build_digests(services, now)
    async with services.sessions.begin() as session:
        await audit.record(session, at=now, actor=update.effective_user.id,
                           action=AuditAction.DIGEST_RUN, subject=report.summary())
    await reply(update, f"Digest: {esc(report.summary())}. The delivery worker sends them "
                        "within a minute; see /outbox.")


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
    summary = await outbox_summary(context.services)
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
    services, now = context.services, context.services.clock.now()
    async with services.sessions.begin() as session:
        count = await outbox.retry_failed(session, now=now)
        await audit.record(session, at=now, actor=update.effective_user.id,
                           action=AuditAction.OUTBOX_RETRY, subject=f"{count} message(s)")
    query = update.callback_query
    await query.answer(f"{count} message(s) queued again.")
    await query.edit_message_reply_markup(reply_markup=None)
    await reply(update, f"{count} failed message(s) are queued again; /outbox shows progress.")

