"""/settings: digest frequency, reminders, time zone and language, with buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import i18n, names, parsing
from bot.i18n import N_, _
from bot.ops import feeds
from bot.ops import people as ops
from handlers.common import esc, reply
from handlers.context import BotContext
from handlers.menus import chat_menu
from storage.models import DigestFrequency, Person
from storage.people import LANGUAGES, Viewer

RENEW_BUTTON = "cal:renew"
RENEWED = N_("Your calendar link is renewed: the old one no longer works.")
# Real IANA zones (tests/test_buttons.py presses each); the buttons show their city.
ZONES = ("Europe/Brussels", "Europe/Zurich", "America/New_York", "America/Mexico_City",
         "Africa/Nairobi", "Asia/Manila", "Asia/Dhaka", "UTC")
ZONE_CITIES = tuple(names.city(z) for z in ZONES)  # what the guided forms' buttons offer
ALREADY = N_("That is already your setting.")
DIGEST_LABEL = {"weekly": N_("weekly"), "daily": N_("daily"), "off": N_("off")}
DIGEST_BUTTON = {"weekly": N_("Digest weekly"), "daily": N_("Digest daily"),
                 "off": N_("Digest off")}


def _mark(on: bool, label: str) -> str:
    return f"✓ {label}" if on else label


def calendar_text(links: feeds.CalendarLinks | None) -> str:
    """The feed links for /settings (nothing when FOF_PUBLIC_URL is not set)."""
    if links is None:
        return ""
    return "\n\n" + "\n".join((
        _("<b>Calendar</b>"),
        _("Meetings for everyone: {link}", link=esc(links.public)),
        _("Your meetings and answers, to subscribe to in your calendar app (keep this address "
          "private): {link}", link=esc(links.personal)),
        _("If it leaked, renew it: <code>/settings calendar renew</code>"),
    ))


def settings_view(person: Person, links: feeds.CalendarLinks | None = None
                  ) -> tuple[str, InlineKeyboardMarkup]:
    digest = DIGEST_LABEL.get(person.digest)
    text = "\n".join((
        _("<b>Your settings</b>"),
        _("Email digest: {digest}", digest=_(digest) if digest else esc(person.digest)),
        _("Reminders before meetings and deadlines: on") if person.reminders
        else _("Reminders before meetings and deadlines: off"),
        _("Time zone: {zone}", zone=esc(person.timezone)),
        _("Language: {language}",
          language=esc(LANGUAGES.get(person.language, person.language))),
        "",
        _("Tap to change. Another time zone: <code>/settings timezone Lisbon</code> (a city or "
          "an IANA name such as <code>Europe/Lisbon</code>)"),
    )) + calendar_text(links)
    rows = [
        [InlineKeyboardButton(_mark(person.digest == d, _(DIGEST_BUTTON[d])),
                              callback_data=f"set:digest:{d}") for d in DigestFrequency],
        [InlineKeyboardButton(_mark(person.reminders == on, label),
                              callback_data=f"set:reminders:{value}")
         for on, value, label in ((True, "on", _("Reminders on")),
                                  (False, "off", _("Reminders off")))],
        [InlineKeyboardButton(_mark(person.timezone == z, names.city(z)),
                              callback_data=f"set:timezone:{z}") for z in ZONES[:4]],
        [InlineKeyboardButton(_mark(person.timezone == z, names.city(z)),
                              callback_data=f"set:timezone:{z}") for z in ZONES[4:]],
        [InlineKeyboardButton(_mark(person.language == code, name),
                              callback_data=f"set:language:{code}")
         for code, name in LANGUAGES.items()],
    ]
    if links is not None:
        rows.append([InlineKeyboardButton(_("Renew my calendar link"),
                                          callback_data=RENEW_BUTTON)])
    return text, InlineKeyboardMarkup(rows)


def parse_preference(name: str, value: str) -> tuple[str, object]:
    """A preference and its value, checked: digest, reminders, timezone or language."""
    name = name.lower()
    if name == "digest":
        return name, parsing.choice(value, tuple(DigestFrequency), N_("digest frequency"))
    if name == "reminders":
        return name, parsing.choice(value, ("on", "off"), N_("reminder setting")) == "on"
    if name in ("timezone", "zone"):
        return "timezone", parsing.zone(value)
    if name == "language":
        return name, parsing.language(value)
    raise parsing.BadInput(_("“{name}” is not a setting; choose digest, reminders, timezone "
                             "or language.", name=parsing.quote(name)))


async def settings(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show the settings with buttons, or change one: /settings timezone Europe/Paris."""
    if viewer.person_id is None:
        await reply(update, _("Settings belong to a contact record; link one with /link."))
        return
    args = context.args or []
    if len(args) == 1:
        raise parsing.BadInput(_("Give a setting and its value."))
    if args and args[0].lower() == "calendar":
        if args[1].lower() != "renew":
            raise parsing.BadInput(_("Write /settings calendar renew to get a new calendar "
                                     "link."))
        await feeds.renew_link(context.services, viewer)
        await reply(update, _(RENEWED))
        args = []
    if args:  # a value may be several words: /settings timezone new york
        name, value = parse_preference(args[0], " ".join(args[1:]))
        change = await ops.set_preference(context.services, viewer, name, value)
        person = change.person
        i18n.set_language(person.language)  # a new language answers in that language
        if name == "language" and change.changed:
            await chat_menu(context.application, viewer.telegram_id)  # the menu too
    else:
        person = (await ops.contact(context.services, viewer)).person
    text, markup = settings_view(person, await feeds.calendar_links(context.services, viewer))
    await reply(update, text, reply_markup=markup)


async def renew_calendar_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Renew the personal calendar link from the button on /settings (cal:renew)."""
    query = update.callback_query
    links = await feeds.renew_link(context.services, viewer)
    await query.answer(_(RENEWED), show_alert=True)
    person = (await ops.contact(context.services, viewer)).person
    text, markup = settings_view(person, links)
    await query.edit_message_text(text, reply_markup=markup)


async def settings_button(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Change a setting from a button (set:<name>:<value>)."""
    query = update.callback_query
    if viewer.person_id is None:
        await query.answer(_("This button is not valid any more."), show_alert=True)
        return
    name, value = parse_preference(*context.match.groups())
    change = await ops.set_preference(context.services, viewer, name, value)
    if not change.changed:  # the option already selected: Telegram refuses an identical edit
        await query.answer(_(ALREADY))
        return
    i18n.set_language(change.person.language)  # a new language answers in that language
    if name == "language":
        await chat_menu(context.application, viewer.telegram_id)  # the menu too
    await query.answer(_("Saved."))
    text, markup = settings_view(change.person,
                                 await feeds.calendar_links(context.services, viewer))
    await query.edit_message_text(text, reply_markup=markup)
