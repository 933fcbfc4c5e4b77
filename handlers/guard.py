"""One guard for every command and button: who may use it, where, and what a wrong input gets.

The registry wraps each callback with `guarded`; the callback receives the viewer (loaded once
per update) as a third argument. `BadInput` becomes one sentence plus the command's right form
and an example; `Rejected` (the data does not allow the change) becomes its sentence. Either way
nothing was written: the operation's transaction never committed.
"""

from __future__ import annotations

import functools

from telegram import Update

from bot import i18n
from bot.i18n import N_, _
from bot.ops import admin as admin_ops
from bot.ops import people as people_ops
from bot.parsing import BadInput
from handlers.commands import ADMIN, LINKED, Access, Guarded, private_only
from handlers.common import Handler, esc, is_private, reply
from handlers.context import BotContext
from storage.errors import Rejected
from storage.people import Viewer

REFUSED = N_("Sorry, only administrators of the support structure may do this.")
PRIVATE_ONLY = N_("Send me this in a private chat.")
LINK_FIRST = N_(
    "This is for focal points and steering-group members who linked their account: "
    "send /link followed by your email address."
)


def usage_text(access: Access) -> str:
    """'Use: <form>' and 'For example: <example>' for a command, HTML-escaped."""
    text = _("Use: <code>{usage}</code>", usage=esc(access.usage_line))
    if access.example and access.example != access.usage_line:
        text += "\n" + _("For example: <code>{example}</code>", example=esc(access.example))
    return text


async def viewer_of(update: Update, context: BotContext) -> Viewer:
    user = update.effective_user
    assert user is not None
    return await people_ops.viewer(context.services, user.id, user.full_name)


def speak_to(update: Update, viewer: Viewer) -> None:
    """Texts of this update in the viewer's language: their setting when they have a contact
    record, else the language Telegram reports when it is one of ours, else English."""
    user = update.effective_user
    i18n.set_language(i18n.pick(viewer.language if viewer.is_linked else None,
                                user.language_code if user else None))


async def speak_to_sender(update: Update, context: BotContext) -> Viewer:
    """For handlers the guard does not wrap (a form's answers, unknown commands, stale
    buttons): load who is writing and answer in their language."""
    viewer = await viewer_of(update, context)
    speak_to(update, viewer)
    return viewer


async def allowed(update: Update, context: BotContext, viewer: Viewer, access: Access) -> bool:
    """Whether the viewer may use this here; if not, they were told why (and refusals logged)."""
    if access.role == ADMIN and not viewer.is_admin:
        await refuse(update, context, viewer, access.name)
        return False
    if private_only(access) and not is_private(update):
        await say(update, _(PRIVATE_ONLY))  # one sentence: nothing personal is said in a group
        return False
    if access.role == LINKED and not (viewer.is_linked or viewer.is_admin):
        await say(update, _(LINK_FIRST))
        return False
    return True


def guarded(access: Access, handler: Guarded) -> Handler:
    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> object:
        viewer = await viewer_of(update, context)
        speak_to(update, viewer)
        if not await allowed(update, context, viewer, access):
            return None
        try:
            return await handler(update, context, viewer)
        except BadInput as problem:
            await say(update, f"{esc(problem)}\n{usage_text(access)}")
        except Rejected as problem:
            await say(update, _("{problem} Nothing was changed.", problem=esc(problem)))
        return None

    return wrapper


async def refuse(update: Update, context: BotContext, viewer: Viewer, command: str) -> None:
    """Refuse a non-administrator in one sentence and keep an audit entry of the attempt."""
    attempted = ""
    if update.callback_query is not None:
        attempted = update.callback_query.data or ""
    elif update.effective_message is not None:
        attempted = update.effective_message.text or update.effective_message.caption or ""
    await admin_ops.record_refusal(context.services, viewer, command, attempted)
    await say(update, _(REFUSED))


async def say(update: Update, text: str) -> None:
    """Reply, or answer a button with an alert (at most 200 characters of plain text)."""
    if update.callback_query is not None:
        plain = text.split("\n", 1)[0].replace("&lt;", "<").replace("&gt;", ">")
        await update.callback_query.answer(plain.replace("&amp;", "&")[:200], show_alert=True)
    else:
        await reply(update, text)
