"""/start and /help: what the asking user may use, by role."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.context import BotContext
from handlers.common import esc, reply, viewer_of

EVERYONE, LINKED, ADMIN = "everyone", "linked", "admin"


@dataclass(frozen=True)
class CommandHelp:
    command: str
    role: str
    summary: str
    example: str


# The one list of commands: /help, setMyCommands and the README's reference follow it.
COMMANDS: list[CommandHelp] = [
    CommandHelp("start", EVERYONE, "welcome and what to do first", "/start"),
    CommandHelp("help", EVERYONE, "the commands you may use", "/help"),
    CommandHelp("next", EVERYONE, "the next meeting", "/next"),
    CommandHelp("meetings", EVERYONE, "upcoming meetings", "/meetings"),
    CommandHelp("meeting", EVERYONE, "one meeting with its calendar file", "/meeting 3"),
    CommandHelp("members", EVERYONE, "members by UN regional group", "/members African"),
    CommandHelp("steering", EVERYONE, "the steering group by region", "/steering"),
    CommandHelp("troika", EVERYONE, "past, present and future chair", "/troika"),
    CommandHelp("link", EVERYONE, "link your account: a code goes to your email",
                "/link ana.garcia@example.org"),
    CommandHelp("verify", EVERYONE, "finish linking with the emailed code", "/verify 123456"),
    CommandHelp("whoami", LINKED, "your contact record and roles", "/whoami"),
    CommandHelp("focal", LINKED, "a member's focal point", "/focal Mexico"),
    CommandHelp("actions", LINKED, "action items: open, overdue, mine or a member",
                "/actions overdue"),
    CommandHelp("action", LINKED, "one action item with its history", "/action 2"),
    CommandHelp("done", LINKED, "mark an action item done", "/done 2 report sent"),
    CommandHelp("note", LINKED, "add a note to an action item", "/note 2 draft circulated"),
    CommandHelp("settings", LINKED, "digest, reminders, time zone, language", "/settings"),
    CommandHelp("addmember", ADMIN, "add a member", "/addmember GH Ghana"),
    CommandHelp("removemember", ADMIN, "remove a member (history kept)", "/removemember GH"),
    CommandHelp("setfocal", ADMIN, "set a member's focal point",
                "/setfocal GH kofi.mensah@example.org Kofi Mensah"),
    CommandHelp("steering", ADMIN, "change the steering group", "/steering add GH"),
    CommandHelp("troika", ADMIN, "set a troika seat", "/troika future PH"),
    CommandHelp("addmeeting", ADMIN, "schedule a meeting",
                "/addmeeting 2007-10-02 10:00 Asia/Manila | Steering group | Manila | steering"),
    CommandHelp("movemeeting", ADMIN, "move a meeting", "/movemeeting 4 2007-10-03 10:00"),
    CommandHelp("cancelmeeting", ADMIN, "cancel a meeting", "/cancelmeeting 4"),
    CommandHelp("addaction", ADMIN, "add an action item",
                "/addaction FI 2007-12-31 Pilot on measuring impacts"),
    CommandHelp("admin", ADMIN, "add or remove an administrator", "/admin add 123456789"),
    CommandHelp("admins", ADMIN, "list administrators", "/admins"),
    CommandHelp("attendance", ADMIN, "who answered for a meeting", "/attendance 3"),
    CommandHelp("digest", ADMIN, "build the digest now, or preview it", "/digest preview"),
    CommandHelp("outbox", ADMIN, "mail delivered, pending and failed", "/outbox"),
    CommandHelp("audit", ADMIN, "the latest changes", "/audit 10"),
]


def commands_for(is_linked: bool, is_admin: bool) -> list[CommandHelp]:
    allowed = {EVERYONE} | ({LINKED} if is_linked or is_admin else set())
    allowed |= {ADMIN} if is_admin else set()
    return [c for c in COMMANDS if c.role in allowed]


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and say what to do first."""
    viewer = await viewer_of(update, context)
    name = esc(viewer.name or update.effective_user.first_name)
    if viewer.is_linked:
        hint = "Ask me a question such as <i>who is the focal point for Mexico?</i> or see /help."
    else:
        hint = (
            "Anyone may ask for /meetings, /members, /steering and /troika. Focal points and "
            "steering-group members: link your account with /link <i>your email</i>."
        )
    await reply(
        update,
        f"Welcome, {name}. I am the assistant of the Global Forum on Migration and "
        f"Development's Friends of the Forum.\n\n{hint}",
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands the asking user may use, one example each."""
    viewer = await viewer_of(update, context)
    sections = {
        EVERYONE: "For everyone", LINKED: "For linked contacts", ADMIN: "For administrators"
    }
    lines = []
    for role, title in sections.items():
        entries = [c for c in commands_for(viewer.is_linked, viewer.is_admin) if c.role == role]
        if entries:
            lines.append(f"<b>{title}</b>")
            lines += [f"/{c.command}: {esc(c.summary)}\n  e.g. <code>{esc(c.example)}</code>"
                      for c in entries]
            lines.append("")
    if not viewer.is_linked and not viewer.is_admin:
        lines.append("Link your account with /link to see more.")
    await reply(update, "\n".join(lines).strip())


# The right form of each command with arguments, quoted when an input is wrong.
USAGE: dict[tuple[str, str], str] = {
    ("meeting", EVERYONE): "/meeting <id>",
    ("members", EVERYONE): "/members [region]",
    ("link", EVERYONE): "/link <email>",
    ("verify", EVERYONE): "/verify <6-digit code>",
    ("focal", LINKED): "/focal <code or name>",
    ("actions", LINKED): "/actions [open|overdue|mine|all|<code>]",
    ("action", LINKED): "/action <id>",
    ("done", LINKED): "/done <id> [note]",
    ("note", LINKED): "/note <id> <text>",
    ("settings", LINKED): "/settings [digest|reminders|timezone|language] <value>",
    ("addmember", ADMIN): "/addmember <code> <name>",
    ("removemember", ADMIN): "/removemember <code>",
    ("setfocal", ADMIN): "/setfocal <code> <email> <full name> [telegram id]",
    ("steering", ADMIN): "/steering add|remove <code>",
    ("troika", ADMIN): "/troika <past|present|future> <code>",
    ("addmeeting", ADMIN):
        "/addmeeting <YYYY-MM-DD HH:MM> <IANA zone> | <title> | <location> | "
        "<all|steering|troika>",
    ("movemeeting", ADMIN): "/movemeeting <id> <YYYY-MM-DD HH:MM>",
    ("cancelmeeting", ADMIN): "/cancelmeeting <id>",
    ("addaction", ADMIN): "/addaction <code> <YYYY-MM-DD> <title>",
    ("admin", ADMIN): "/admin add|remove <telegram id>",
    ("attendance", ADMIN): "/attendance <id>",
    ("audit", ADMIN): "/audit [n]",
    ("digest", ADMIN): "/digest [preview]",
}


def usage_of(command: str, role: str) -> str:
    """'Use: <form>' and 'For example: <example>' for a command, HTML-escaped."""
    form = USAGE.get((command, role), f"/{command}")
    example = next((c.example for c in COMMANDS if c.command == command and c.role == role),
                   None)
    text = f"Use: <code>{esc(form)}</code>"
    if example and example != form:
        text += f"\nFor example: <code>{esc(example)}</code>"
    return text
