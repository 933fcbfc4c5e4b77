"""Linking a Telegram account to a contact: /link <email> mails a one-time code, /verify <code>."""

from __future__ import annotations

import logging

from telegram import Update

from bot import parsing
from bot.config import ConfigError
from bot.mail.message import compose
from handlers.common import esc, is_private, reply
from handlers.context import BotContext
from handlers.guard import PRIVATE_ONLY
from storage import linking, outbox
from storage.linking import Verification
from storage.people import Viewer

log = logging.getLogger(__name__)

SENT = (
    "If this address belongs to a contact of the Friends of the Forum, a 6-digit code is on its "
    "way to it. Send /verify followed by the code within 15 minutes."
)
CODE_MAIL = """Hello {name},

Someone (hopefully you) asked to link the Telegram account with id {telegram_id} to your contact
record with the GFMD Friends of the Forum assistant.

Your code: {code}

Send "/verify {code}" to the bot within 15 minutes. If it was not you, ignore this message:
nothing changes without the code.
"""


async def link(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Send a one-time code to the given email if it belongs to a contact."""
    if not is_private(update):
        await reply(update, PRIVATE_ONLY)
        return
    if len(context.args or []) != 1:
        raise parsing.BadInput("Give me your email address.")
    email = parsing.email(context.args[0])
    services = context.services
    now = services.clock.now()
    async with services.sessions.begin() as session:
        issued = await linking.issue_code(session, email=email, telegram_id=viewer.telegram_id,
                                          now=now)
        if issued is not None:
            await _mail_code(context, session, issued, viewer.telegram_id)
    # The same answer whether or not the address is known: addresses cannot be probed.
    await reply(update, SENT)


async def _mail_code(context: BotContext, session, issued: linking.IssuedCode,
                     telegram_id: int) -> None:
    person, services = issued.person, context.services
    key = f"link:{person.id}:{issued.created_at.isoformat()}"
    try:
        message = compose(
            services.settings, key=key, to_address=person.email, to_name=person.name,
            subject="Your code for the Friends of the Forum assistant",
            text=CODE_MAIL.format(name=person.name, telegram_id=telegram_id, code=issued.code),
            now=issued.created_at,
        )
    except ConfigError:
        log.error("cannot send a link code: FOF_MAIL_FROM is not set")
        return
    await outbox.enqueue(session, key=key, recipient=person.email, kind="link_code",
                         body=message.as_string(), subject=str(message["Subject"]),
                         now=issued.created_at, person_id=person.id)


async def verify(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Link the account when the emailed code is right."""
    args = context.args or []
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit() and len(args[0]) == 6):
        raise parsing.BadInput("The code is the 6 digits from the email.")
    async with context.services.sessions.begin() as session:
        result = await linking.verify_code(session, telegram_id=viewer.telegram_id,
                                           code=args[0], now=context.services.clock.now())
    messages = {
        Verification.NONE_PENDING: "There is no code waiting for you; send /link with your "
                                   "email address first.",
        Verification.EXPIRED: "That code has expired; send /link again for a new one.",
        Verification.TOO_MANY: "Too many wrong codes; send /link again for a new one.",
        Verification.WRONG: f"That code is not right; {result.tries_left} tries left.",
    }
    if result.outcome == Verification.LINKED:
        await reply(update, f"Linked: welcome, {esc(result.person.name)}. See /whoami and "
                            "/help for what you can do now.")
    else:
        await reply(update, messages[result.outcome])
