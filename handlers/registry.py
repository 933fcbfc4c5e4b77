"""The command registry: every command once (name, role, summary, usage, example, callback,
guided form), every button, and the one ordered block that registers them.

Registration, the guard, /help, the command menus, usage lines and the README check
(tests/test_docs.py) all read COMMANDS: adding a command is adding a row.
"""

from __future__ import annotations

import functools
import re

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, _
from handlers import (
    actions,
    admin,
    basic,
    calendar,
    choices,
    forms,
    linking,
    mail_admin,
    membership,
    questions,
)
from handlers import settings as preferences
from handlers.commands import ADMIN, EVERYONE, LINKED, Access, Button, Command
from handlers.common import on_error, reply, turn_page
from handlers.context import BotContext
from handlers.guard import guarded, speak_to_sender

C = Command
COMMANDS: tuple[Command, ...] = (
    # For everyone
    C("start", EVERYONE, summary=N_("welcome and what to do first"), example="/start",
      callback=basic.start, private=True),
    C("help", EVERYONE, summary=N_("the commands you may use"), example="/help",
      callback=basic.help_command),
    C("next", EVERYONE, summary=N_("the next meeting"), example="/next",
      callback=calendar.next_meeting),
    C("meetings", EVERYONE, summary=N_("upcoming meetings"), example="/meetings",
      callback=calendar.list_meetings),
    C("meeting", EVERYONE, "/meeting <id>", "/meeting 3",
      summary=N_("one meeting with its calendar file"), callback=calendar.show_meeting),
    C("members", EVERYONE, "/members [region]", "/members African",
      summary=N_("members by UN regional group"), callback=membership.list_members),
    C("steering", EVERYONE, summary=N_("the steering group by region"), example="/steering",
      callback=membership.show_steering),
    C("troika", EVERYONE, summary=N_("past, present and future chair"), example="/troika",
      callback=membership.show_troika),
    C("link", EVERYONE, "/link <email>", "/link ana.garcia@example.org",
      summary=N_("link your account: a code goes to your email"), callback=linking.link,
      private=True),
    C("verify", EVERYONE, "/verify <6-digit code>", "/verify 123456",
      summary=N_("finish linking with the emailed code"), callback=linking.verify, private=True),
    # For linked contacts (and administrators)
    C("whoami", LINKED, summary=N_("your contact record and roles"), example="/whoami",
      callback=membership.whoami),
    C("focal", LINKED, "/focal <code or name>", "/focal Mexico",
      summary=N_("a member's focal point"), callback=membership.focal),
    C("actions", LINKED, "/actions [open|overdue|mine|all|<code or name>]", "/actions overdue",
      summary=N_("action items: open, overdue, mine or a member"), callback=actions.list_actions),
    C("action", LINKED, "/action <id>", "/action 2",
      summary=N_("one action item with its history"), callback=actions.show_action),
    C("done", LINKED, "/done <id> [note]", "/done 2 report sent",
      summary=N_("mark an action item done"), callback=actions.done),
    C("note", LINKED, "/note <id> <text>", "/note 2 draft circulated",
      summary=N_("add a note to an action item"), callback=actions.note),
    C("settings", LINKED, "/settings [digest|reminders|timezone|language|calendar] <value>",
      "/settings", summary=N_("digest, reminders, time zone, language, calendar link"),
      callback=preferences.settings),
    # For administrators
    C("addmember", ADMIN, "/addmember <code> <name>", "/addmember GH Ghana",
      summary=N_("add a member"), callback=membership.add_member, form=forms.NEW_MEMBER),
    C("removemember", ADMIN, "/removemember <code or name>", "/removemember GH",
      summary=N_("remove a member (history kept)"), callback=membership.remove_member),
    C("setfocal", ADMIN, "/setfocal <code or name> <email> <full name> [telegram id]",
      "/setfocal GH kofi.mensah@example.org Kofi Mensah",
      summary=N_("set a member's focal point"), callback=membership.set_focal, form=forms.FOCAL),
    C("steering", ADMIN, "/steering add|remove <code or name>", "/steering add GH",
      summary=N_("change the steering group"), callback=membership.change_steering,
      with_args=True),
    C("troika", ADMIN, "/troika <past|present|future> <code or name>", "/troika future PH",
      summary=N_("set a troika seat"), callback=membership.set_troika, with_args=True),
    C("addmeeting", ADMIN,
      "/addmeeting <YYYY-MM-DD HH:MM> [- [YYYY-MM-DD] HH:MM] <zone or city> | <title> | "
      "<location> | <all|steering|troika> [| <agenda>]",
      "/addmeeting 2007-07-09 09:00 - 2007-07-11 18:00 Europe/Brussels | Global Forum | "
      "Brussels | all",
      summary=N_("schedule a meeting (two hours unless an end is given)"),
      callback=calendar.add_meeting, form=forms.NEW_MEETING),
    C("movemeeting", ADMIN, "/movemeeting <id> <YYYY-MM-DD HH:MM>",
      "/movemeeting 4 2007-10-03 10:00", summary=N_("move a meeting"),
      callback=calendar.move_meeting),
    C("cancelmeeting", ADMIN, "/cancelmeeting <id>", "/cancelmeeting 4",
      summary=N_("cancel a meeting"), callback=calendar.cancel_meeting),
    C("addaction", ADMIN, "/addaction <code or name> <YYYY-MM-DD> <title>",
      "/addaction FI 2007-12-31 Pilot on measuring impacts",
      summary=N_("add an action item (a past due date makes it overdue at once)"),
      callback=actions.add_action, form=forms.NEW_ACTION),
    C("admin", ADMIN, "/admin add|remove <telegram id>", "/admin add 123456789",
      summary=N_("add or remove an administrator"), callback=admin.admin),
    C("admins", ADMIN, summary=N_("list administrators"), example="/admins",
      callback=admin.admins),
    C("attendance", ADMIN, "/attendance <id>", "/attendance 3",
      summary=N_("who answered for a meeting"), callback=calendar.attendance),
    C("digest", ADMIN, "/digest [preview]", "/digest preview",
      summary=N_("send the digest now (after a confirmation), or preview it to yourself"),
      callback=mail_admin.digest_command),
    C("outbox", ADMIN, "/outbox [clear <address>]", "/outbox clear fp@example.org",
      summary=N_("mail delivered, pending and failed; clear an address that bounced"),
      callback=mail_admin.outbox_command),
    C("audit", ADMIN, "/audit [n]", "/audit 10",
      summary=N_("the latest changes"), callback=admin.audit_log),
)

BY_NAME = {(c.name, c.with_args): c for c in COMMANDS}
ANYONE = Access("button", EVERYONE)
IMPORT = Access("import", ADMIN)  # a CSV file sent to the bot

# Callback data is parsed strictly: the whole string must match the row's pattern (ASCII digits
# only); `(?::(?P<owner>...))?` marks a card that, in a group, belongs to the person who asked.
OWNER = r"(?::(?P<owner>[0-9]{1,16}))?"
BUTTONS: tuple[Button, ...] = (
    # paging reads the page asked for (as its reader sees it), or a page kept in chat_data
    Button("pg", turn_page, ANYONE, rf"pg:([0-9]{{1,9}}):([0-9]{{1,4}}){OWNER}"),
    Button("att", calendar.attend, ANYONE, rf"att:([0-9]{{1,9}}):(yes|no|maybe){OWNER}"),
    Button("cxm", calendar.confirm_cancel, BY_NAME["cancelmeeting", False],
           r"cxm:([0-9]{1,9}|no)"),
    Button("rmm", membership.confirm_remove, BY_NAME["removemember", False],
           r"rmm:([A-Za-z][A-Za-z0-9]{1,11}|no)"),
    Button("set", preferences.settings_button, BY_NAME["settings", False],
           r"set:(digest|reminders|timezone|language):([A-Za-z0-9_+/-]{1,40})"),
    Button("cal", preferences.renew_calendar_button, BY_NAME["settings", False], r"cal:renew"),
    Button("imp", admin.confirm_import, IMPORT, r"imp:([0-9]{1,9}|no)"),
    Button("outbox", mail_admin.retry_failures, BY_NAME["outbox", False], r"outbox:retry"),
    Button(mail_admin.DIGEST_BUTTON, mail_admin.confirm_digest, BY_NAME["digest", False],
           r"dig:(send|no):([0-9]{1,9})"),
    # "Did you mean Luxembourg (LU)?": one button per candidate, as the command itself.
    *(Button(choices.prefix(name), choices.chooser(name, run), BY_NAME[name, with_args],
             choices.pattern(name))
      for name, with_args, run in (
          ("focal", False, membership.show_focal),
          ("actions", False, actions.member_actions),
          ("removemember", False, membership.ask_removal),
          ("setfocal", False, membership.save_focal),
          ("steering", True, membership.steering_change),
          ("troika", True, membership.troika_change),
          ("addaction", False, actions.create_action),
      )),
)
NOT_YOURS = N_("This button is for the person who asked.")
NOT_VALID = N_("This button is no longer valid.")


def command_handler(name: str):
    """One handler per name; a name with two rows (/steering, /troika) picks by arguments."""
    plain = BY_NAME.get((name, False))
    with_args = BY_NAME.get((name, True))
    guarded_plain = guarded(plain, plain.callback) if plain else None
    guarded_args = guarded(with_args, with_args.callback) if with_args else None

    async def handle(update: Update, context: BotContext) -> object:
        chosen = guarded_args if (context.args and guarded_args) else guarded_plain
        return await chosen(update, context)

    return handle if guarded_plain and guarded_args else (guarded_plain or guarded_args)


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Answer /cancel outside a form."""
    await speak_to_sender(update, context)
    await reply(update, _("There is nothing to cancel."))


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer a command the bot does not know."""
    await speak_to_sender(update, context)
    await reply(update, _("I do not know that command. See /help for the ones you may use."))


class EmptyButtonHandler(CallbackQueryHandler):
    """Callback queries without data (PTB lets these match every pattern)."""

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and update.callback_query is not None \
            and not update.callback_query.data


async def invalid_button(update: Update, context: BotContext) -> None:
    """Answer a button whose data no row accepts (forged, or from an older version)."""
    await speak_to_sender(update, context)
    await update.callback_query.answer(_(NOT_VALID), show_alert=True)
    raise ApplicationHandlerStop


def button_handler(button: Button) -> CallbackQueryHandler:
    """The handler of one BUTTONS row: its pattern, the owner check, then the guard."""
    if not button.pattern.startswith(f"{button.prefix}:"):
        raise ValueError(f"the button row {button.prefix!r} needs a full pattern")
    callback = button.callback if button.access is None else \
        guarded(button.access, button.callback)

    @functools.wraps(button.callback)
    async def handle(update: Update, context: BotContext) -> object:
        owner = context.match.groupdict().get("owner")
        if owner is not None and int(owner) != update.effective_user.id:
            await speak_to_sender(update, context)
            await update.callback_query.answer(_(NOT_YOURS), show_alert=True)
            return None
        return await callback(update, context)

    return CallbackQueryHandler(handle, pattern=re.compile(button.pattern, re.ASCII).fullmatch)


def register_handlers(application: Application) -> None:
    application.bot_data["commands"] = COMMANDS
    # 1. Guided forms first: while a form is open, its answers must not reach other handlers.
    application.add_handler(forms.form_handler(
        [(c, guarded(c, c.callback)) for c in COMMANDS if c.form is not None]))
    # 2. Commands (also in groups; the guard decides what groups may see).
    names = list(dict.fromkeys(c.name for c in COMMANDS))
    for name in names:
        application.add_handler(CommandHandler(name, command_handler(name)))
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    # 3. Buttons: callback data parsed strictly by each row's pattern; a button with no or
    # empty data is answered first (PTB would hand it to every pattern), anything unknown last.
    application.add_handler(EmptyButtonHandler(invalid_button), group=-1)
    for button in BUTTONS:
        application.add_handler(button_handler(button))
    application.add_handler(CallbackQueryHandler(invalid_button))
    # 4. A CSV file sent in a private chat is an import (administrators only).
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.Document.FileExtension("csv"),
        guarded(IMPORT, admin.upload)))
    # 5. Plain questions, in private chats only (groups get public commands only).
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
        guarded(ANYONE, questions.question)))
    # 6. Last, in private chats only (in groups a command may be meant for another bot):
    # commands nobody handles.
    known = [*names, "cancel"]
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.COMMAND
        & ~filters.Regex(rf"^/({'|'.join(sorted(known))})(@\w+)?(\s|$)"),
        unknown_command))
    application.add_error_handler(on_error)
