"""/settings: digest frequency, reminders, time zone and language, with buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import parsing
from bot.ops import people as ops
from handlers.common import esc, reply
from handlers.context import BotContext
from storage.models import DigestFrequency, Person
from storage.people import LANGUAGES, Viewer

ZONES = ("Europe/Brussels", "Europe/Geneva", "America/New_York", "America/Mexico_City",
         "Africa/Nairobi", "Asia/Manila", "Asia/Dhaka", "UTC")


def _mark(on: bool, label: str) -> str:
    return f"✓ {label}" if on else label


def settings_view(person: Person) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        "<b>Your settings</b>\n"
        f"Email digest: {esc(person.digest)}\n"
        f"Reminders before meetings and deadlines: {'on' if person.reminders else 'off'}\n"
        f"Time zone: {esc(person.timezone)}\n"
        f"Language: {esc(LANGUAGES.get(person.language, person.language))}\n\n"
        "Tap to change. Another time zone: <code>/settings timezone Europe/Lisbon</code>"
    )
    rows = [
        [InlineKeyboardButton(_mark(person.digest == d, f"Digest {d}"),
                              callback_data=f"set:digest:{d}") for d in DigestFrequency],
        [InlineKeyboardButton(_mark(person.reminders == on, f"Reminders {label}"),
                              callback_data=f"set:reminders:{label}")
         for on, label in ((True, "on"), (False, "off"))],
        [InlineKeyboardButton(_mark(person.timezone == z, z), callback_data=f"set:timezone:{z}")
         for z in ZONES[:4]],
        [InlineKeyboardButton(_mark(person.timezone == z, z), callback_data=f"set:timezone:{z}")
         for z in ZONES[4:]],
        [InlineKeyboardButton(_mark(person.language == code, name),
                              callback_data=f"set:language:{code}")
         for code, name in LANGUAGES.items()],
    ]
    return text, InlineKeyboardMarkup(rows)


def parse_preference(name: str, value: str) -> tuple[str, object]:
    """A preference and its value, checked: digest, reminders, timezone or language."""
    name = name.lower()
    if name == "digest":
        return name, parsing.choice(value, tuple(DigestFrequency), "digest frequency")
    if name == "reminders":
        return name, parsing.choice(value, ("on", "off"), "reminder setting") == "on"
    if name in ("timezone", "zone"):
        return "timezone", parsing.zone(value)
    if name == "language":
        return name, parsing.choice(value, tuple(LANGUAGES), "language")
    raise parsing.BadInput(f"“{parsing.quote(name)}” is not a setting; choose digest, "
                           "reminders, timezone or language.")


async def settings(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the settings with buttons, or change one: /settings timezone Europe/Paris."""
    if viewer.person_id is None:
        await reply(update, "Settings belong to a contact record; link one with /link.")
        return
    args = context.args or []
    if args and len(args) != 2:
        raise parsing.BadInput("Give a setting and its value.")
    if args:
        person = await ops.set_preference(context.services, viewer,
                                          *parse_preference(args[0], args[1]))
    else:
        person = (await ops.contact(context.services, viewer)).person
    text, markup = settings_view(person)
    await reply(update, text, reply_markup=markup)


async def settings_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Change a setting from a button (set:<name>:<value>)."""
    query = update.callback_query
    if viewer.person_id is None:
        await query.answer("This button is not valid any more.", show_alert=True)
        return
    person = await ops.set_preference(context.services, viewer,
                                      *parse_preference(*context.match.groups()))
    await query.answer("Saved.")
    text, markup = settings_view(person)
    await query.edit_message_text(text, reply_markup=markup)
