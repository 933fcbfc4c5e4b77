"""/settings: digest frequency, reminders, time zone and language, with buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import names, parsing
from bot.ops import feeds
from bot.ops import people as ops
from handlers.common import esc, reply
from handlers.context import BotContext
from storage.models import DigestFrequency, Person
from storage.people import LANGUAGES, Viewer

RENEW_BUTTON = "cal:renew"
RENEWED = "Your calendar link is renewed: the old one no longer works."
# Real IANA zones (tests/test_buttons.py presses each); the buttons show their city.
ZONES = ("Europe/Brussels", "Europe/Zurich", "America/New_York", "America/Mexico_City",
         "Africa/Nairobi", "Asia/Manila", "Asia/Dhaka", "UTC")
ZONE_CITIES = tuple(names.city(z) for z in ZONES)  # what the guided forms' buttons offer
ALREADY = "That is already your setting."


def _mark(on: bool, label: str) -> str:
    return f"✓ {label}" if on else label


def calendar_text(links: feeds.CalendarLinks | None) -> str:
    """The feed links for /settings (nothing when FOF_PUBLIC_URL is not set)."""
    if links is None:
        return ""
    return (
        "\n\n<b>Calendar</b>\n"
        f"Meetings for everyone: {esc(links.public)}\n"
        "Your meetings and answers, to subscribe to in your calendar app (keep this address "
        f"private): {esc(links.personal)}\n"
        "If it leaked, renew it: <code>/settings calendar renew</code>"
    )


def settings_view(person: Person, links: feeds.CalendarLinks | None = None
                  ) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        "<b>Your settings</b>\n"
        f"Email digest: {esc(person.digest)}\n"
        f"Reminders before meetings and deadlines: {'on' if person.reminders else 'off'}\n"
        f"Time zone: {esc(person.timezone)}\n"
        f"Language: {esc(LANGUAGES.get(person.language, person.language))}\n\n"
        "Tap to change. Another time zone: <code>/settings timezone Lisbon</code> (a city or "
        "an IANA name such as <code>Europe/Lisbon</code>)"
    ) + calendar_text(links)
    rows = [
        [InlineKeyboardButton(_mark(person.digest == d, f"Digest {d}"),
                              callback_data=f"set:digest:{d}") for d in DigestFrequency],
        [InlineKeyboardButton(_mark(person.reminders == on, f"Reminders {label}"),
                              callback_data=f"set:reminders:{label}")
         for on, label in ((True, "on"), (False, "off"))],
        [InlineKeyboardButton(_mark(person.timezone == z, names.city(z)),
                              callback_data=f"set:timezone:{z}") for z in ZONES[:4]],
        [InlineKeyboardButton(_mark(person.timezone == z, names.city(z)),
                              callback_data=f"set:timezone:{z}") for z in ZONES[4:]],
        [InlineKeyboardButton(_mark(person.language == code, name),
                              callback_data=f"set:language:{code}")
         for code, name in LANGUAGES.items()],
    ]
    if links is not None:
        rows.append([InlineKeyboardButton("Renew my calendar link", callback_data=RENEW_BUTTON)])
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
        return name, parsing.language(value)
    raise parsing.BadInput(f"“{parsing.quote(name)}” is not a setting; choose digest, "
                           "reminders, timezone or language.")


async def settings(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the settings with buttons, or change one: /settings timezone Europe/Paris."""
    if viewer.person_id is None:
        await reply(update, "Settings belong to a contact record; link one with /link.")
        return
    args = context.args or []
    if len(args) == 1:
        raise parsing.BadInput("Give a setting and its value.")
    if args and args[0].lower() == "calendar":
        if args[1].lower() != "renew":
            raise parsing.BadInput("Write /settings calendar renew to get a new calendar link.")
        await feeds.renew_link(context.services, viewer)
        await reply(update, RENEWED)
        args = []
    if args:  # a value may be several words: /settings timezone new york
        person = (await ops.set_preference(context.services, viewer, *parse_preference(
            args[0], " ".join(args[1:])))).person
    else:
        person = (await ops.contact(context.services, viewer)).person
    text, markup = settings_view(person, await feeds.calendar_links(context.services, viewer))
    await reply(update, text, reply_markup=markup)


async def renew_calendar_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Renew the personal calendar link from the button on /settings (cal:renew)."""
    query = update.callback_query
    links = await feeds.renew_link(context.services, viewer)
    await query.answer(RENEWED, show_alert=True)
    person = (await ops.contact(context.services, viewer)).person
    text, markup = settings_view(person, links)
    await query.edit_message_text(text, reply_markup=markup)


async def settings_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Change a setting from a button (set:<name>:<value>)."""
    query = update.callback_query
    if viewer.person_id is None:
        await query.answer("This button is not valid any more.", show_alert=True)
        return
    change = await ops.set_preference(context.services, viewer,
                                      *parse_preference(*context.match.groups()))
    if not change.changed:  # the option already selected: Telegram refuses an identical edit
        await query.answer(ALREADY)
        return
    await query.answer("Saved.")
    text, markup = settings_view(change.person,
                                 await feeds.calendar_links(context.services, viewer))
    await query.edit_message_text(text, reply_markup=markup)
