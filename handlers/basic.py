"""/start and /help: what the asking user may use, by role (from the command registry)."""

from __future__ import annotations

from telegram import Update

from bot.i18n import _
from handlers import deep_links
from handlers.commands import ROLE_TITLES, Command, commands_for, private_only
from handlers.common import esc, is_private, reply
from handlers.context import BotContext
from storage.people import Viewer


async def start(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Greet the user and say what to do first (or open a deep link: /start action_4)."""
    if context.args and await deep_links.opened(update, context, viewer):
        return
    name = esc(viewer.name or update.effective_user.first_name)
    if viewer.is_linked:
        hint = _("Ask me a question such as <i>who is the focal point for Mexico?</i> or see "
                 "/help.")
    else:
        hint = _(
            "Anyone may ask for /meetings, /members, /steering and /troika. Focal points and "
            "steering-group members: link your account with /link <i>your email</i>."
        )
    await reply(
        update,
        _("Welcome, {name}. I am the assistant of the Global Forum on Migration and "
          "Development's Friends of the Forum.", name=name) + f"\n\n{hint}",
    )


def help_line(command: Command) -> str:
    """'/name: summary', and an example when it shows more than the bare command."""
    if command.example.strip() == f"/{command.name}":
        return _("/{command}: {summary}", command=command.name, summary=esc(_(command.summary)))
    return _("/{command}: {summary}\n  e.g. <code>{example}</code>", command=command.name,
             summary=esc(_(command.summary)), example=esc(command.example))


async def help_command(update: Update, context: BotContext, viewer: Viewer) -> None:
    """List the commands the asking user may use, one example each."""
    mine = commands_for(context.commands, viewer)
    if not is_private(update):  # groups get public commands only
        mine = [c for c in mine if not private_only(c)]
    lines = []
    for role, title in ROLE_TITLES.items():
        entries = [c for c in mine if c.role == role]
        if entries:
            lines.append(f"<b>{_(title)}</b>")
            lines += [help_line(c) for c in entries]
            lines.append("")
    if not is_private(update):
        lines.append(_("Send me /help in a private chat for everything you may use."))
    elif not viewer.is_linked and not viewer.is_admin:
        lines.append(_("Link your account with /link to see more."))
    await reply(update, "\n".join(lines).strip())
