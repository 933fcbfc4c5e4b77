"""Linking a Telegram account to a contact: /link <email> mails a one-time code, /verify <code>."""

from __future__ import annotations

from telegram import Update

from bot import parsing
from bot.i18n import N_, _, n_
from bot.ops import linking
from handlers.common import esc, reply
from handlers.context import BotContext
from handlers.menus import chat_menu
from storage.linking import Verification
from storage.people import Viewer

SENT = N_(
    "If this address belongs to a contact of the Friends of the Forum, a 6-digit code is on its "
    "way to it. Send /verify followed by the code within 15 minutes."
)


async def link(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Send a one-time code to the given email if it belongs to a contact."""
    if len(context.args or []) != 1:
        raise parsing.BadInput(_("Give me your email address."))
    await linking.request_link(context.services, viewer, parsing.email(context.args[0]))
    # The same answer whether or not the address is known: addresses cannot be probed.
    await reply(update, _(SENT))


async def verify(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Link the account when the emailed code is right."""
    args = context.args or []
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit() and len(args[0]) == 6):
        raise parsing.BadInput(_("The code is the 6 digits from the email."))
    result = await linking.verify(context.services, viewer, args[0])
    if result.outcome == Verification.LINKED:
        await reply(update, _("Linked: welcome, {name}. See /whoami and /help for what you can "
                              "do now.", name=esc(result.name)))
        await chat_menu(context.application, viewer.telegram_id)  # in their chosen language
        return
    messages = {
        Verification.NONE_PENDING: _("There is no code waiting for you; send /link with your "
                                     "email address first."),
        Verification.EXPIRED: _("That code has expired; send /link again for a new one."),
        Verification.TOO_MANY: _("Too many wrong codes; wait an hour, then send /link again."),
        Verification.TOO_MANY_TODAY: _("Too many wrong codes today; send /link again "
                                       "tomorrow."),
        Verification.WRONG: n_("That code is not right; 1 try left.",
                               "That code is not right; {count} tries left.",
                               result.tries_left),
    }
    await reply(update, messages[result.outcome])
