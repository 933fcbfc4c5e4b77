"""Everyday chat in the Forum's three languages: the same commands, refusals, bad input, buttons
and guided-form steps for English, French and Spanish readers, with dates written their way.

The language is a person's setting when they linked a contact record, else the language their
Telegram app reports (fr-CA -> fr), else English. Each update runs in its own task here, as in
production (python-telegram-bot gives each update a task), so nothing carries one reader's
language over to the next update.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from bot import i18n
from bot.offline import Fault, user
from handlers.common import page_buttons
from handlers.menus import set_bot_commands
from storage.models import ActionItem, Person
from tests.conftest import ADMIN_ID
from tests.fixtures_bot import (  # noqa: F401
    ADMIN,
    ANA,
    JAN,
    LIISA,
    ask,
    check_sane,
    count,
    data_fixture,
    texts,
)

CLAIRE = user(900501, "Claire", language="fr-CA")  # not linked: Telegram's language
LUCIA = user(900502, "Lucía", language="es-MX")
ED = user(900503, "Ed", language="en-GB")
HANS = user(900504, "Hans", language="de")  # a language we do not speak: English
ADMIN_FR = user(ADMIN_ID, "Support", language="fr-CA")  # the administrator has no contact record
ADMIN_ES = user(ADMIN_ID, "Support", language="es-MX")

# What each language says, word for word (the summit is meeting 1, the steering group 2).
SAYS = {
    "en": {
        "help": ["<b>For everyone</b>", "/next: the next meeting\n",
                 "/meeting: one meeting with its calendar file\n  e.g. <code>/meeting 3</code>"],
        "help_linked": "<b>For linked contacts</b>",
        "next": ["Next: <b>#2</b> Steering group\n  Thu 5 Jul 2007, 14:00 – 16:00 "
                 "(Brussels)", "  Brussels · steering group",
                 "Details and calendar file: /meeting 2"],
        "meeting": ["When: Mon 9 Jul 2007, 09:00 – Wed 11 Jul 2007, 18:00 (Brussels)",
                    "Where: Egmont Palace, Brussels", "For: all Friends",
                    "Meeting number 1; the calendar file follows."],
        "actions": ["<b>Open action items</b> (3)",
                    "Bangladesh (BD), open, <b>OVERDUE</b>: was due on Friday 29 June "
                    "(3 days ago)", "Belgium (BE), due 31 Jul 2007, in progress"],
        "bad": "“abc” is not a valid meeting number.\nUse: <code>/meeting &lt;id&gt;</code>\n"
               "For example: <code>/meeting 3</code>",
        "refused": "Sorry, only administrators of the support structure may do this.",
        "link_first": "This is for focal points and steering-group members who linked their "
                      "account: send /link followed by your email address.",
        "foreign": ("lun", "juil", "jue", "Próxima", "Prochaine"),
    },
    "fr": {
        "help": ["<b>Pour tout le monde</b>",
                 "/next : la prochaine réunion\n",
                 "par exemple <code>/meeting 3</code>"],
        "help_linked": "<b>Pour les contacts reliés</b>",
        "next": ["Prochaine réunion : <b>#2</b> Steering group\n  jeu. 5 juil. 2007, 14:00 – "
                 "16:00 (Bruxelles)", "  Brussels · groupe de pilotage",
                 "Détails et fichier d'agenda : /meeting 2"],
        "meeting": ["Quand : lun. 9 juil. 2007, 09:00 – mer. 11 juil. 2007, 18:00 "
                    "(Bruxelles)", "Où : Egmont Palace, Brussels", "Pour : tous les Amis",
                    "Réunion numéro 1 ; le fichier d'agenda suit."],
        "actions": ["<b>Actions de suivi en cours</b> (3)",
                    "Bangladesh (BD), ouverte, <b>EN RETARD</b> : échéance le vendredi 29 juin "
                    "(il y a 3 jours)",
                    "Belgium (BE), échéance le 31 juil. 2007, en cours"],
        "bad": "« abc » n'est pas un numéro valide (réunion).\nForme : <code>/meeting "
               "&lt;id&gt;</code>\nPar exemple : <code>/meeting 3</code>",
        "refused": "Désolé, seuls les administrateurs de la structure d'appui peuvent le faire.",
        "link_first": "Ceci est réservé aux points focaux et aux membres du groupe de pilotage "
                      "qui ont relié leur compte : envoyez /link suivi de votre adresse "
                      "électronique.",
        "foreign": ("Jul", "Thu", "Mon", "When:", "Next:", "jue", "Próxima"),
    },
    "es": {
        "help": ["<b>Para todos</b>", "/next: la próxima reunión\n",
                 "p. ej. <code>/meeting 3</code>"],
        "help_linked": "<b>Para los contactos vinculados</b>",
        "next": ["Próxima reunión: <b>#2</b> Steering group\n  jue, 5 jul 2007, 14:00 – 16:00 "
                 "(Bruselas)", "Brussels · Grupo Directivo",
                 "Detalles y archivo de calendario: /meeting 2"],
        "meeting": ["Cuándo: lun, 9 jul 2007, 09:00 – mié, 11 jul 2007, 18:00 (Bruselas)",
                    "Dónde: Egmont Palace, Brussels", "Para: todos los Amigos",
                    "Reunión número 1; a continuación, el archivo de calendario."],
        "actions": ["<b>Acciones de seguimiento abiertas</b> (3)",
                    "Bangladesh (BD), abierta, <b>VENCIDA</b>: vencía el viernes 29 de junio "
                    "(hace 3 días)", "Belgium (BE), vence el 31 jul 2007, en curso"],
        "bad": "«abc» no es un número válido (reunión).\nForma: <code>/meeting &lt;id&gt;</code>"
               "\nPor ejemplo: <code>/meeting 3</code>",
        "refused": "Lo sentimos, solo los administradores de la estructura de apoyo pueden "
                   "hacerlo.",
        "link_first": "Esto es para los puntos focales y los miembros del Grupo Directivo que "
                      "han vinculado su cuenta: envíe /link seguido de su dirección de correo "
                      "electrónico.",
        "foreign": ("Jul", "Thu", "juil", "When:", "Next:", "Quand", "Prochaine"),
    },
}


async def in_own_task(coroutine):
    """Process one update in a task of its own, as the running bot does."""
    return await asyncio.ensure_future(coroutine)


async def say(bot, who: dict, text: str) -> str:
    calls = await in_own_task(bot.send(who, text))
    check_sane(calls)
    return texts(calls)


async def press(bot, who: dict, data_: str, message_id: int = 1) -> list:
    return await in_own_task(bot.click(who, data_, message_id=message_id))


async def set_language(services, telegram_id: int, language: str) -> None:
    async with services.sessions.begin() as session:
        person = (await session.exec(select(Person).where(
            Person.telegram_id == telegram_id))).one()
        person.language = language


@pytest.fixture(name="readers")
async def readers_fixture(services, data):
    """Jan (Brussels) reads French, Ana (Mexico City) Spanish, Liisa English."""
    await set_language(services, JAN["id"], "fr")
    await set_language(services, ANA["id"], "es")
    return data


def assert_says(text: str, language: str, *keys: str) -> None:
    for key in keys:
        wanted = SAYS[language][key]
        for sentence in [wanted] if isinstance(wanted, str) else wanted:
            assert sentence in text, (language, key, text)
    for word in SAYS[language]["foreign"]:
        assert word not in text, (language, word, text)


@pytest.mark.parametrize(("who", "language"), [(LIISA, "en"), (JAN, "fr"), (ANA, "es")],
                         ids=["en", "fr", "es"])
async def test_a_linked_person_reads_their_setting(bot, readers, who, language):
    help_text = await say(bot, who, "/help")
    assert_says(help_text, language, "help", "help_linked")
    assert_says(await say(bot, who, "/next"), language, "next")
    assert_says(await say(bot, who, f"/meeting {readers.summit}"), language, "meeting")
    assert_says(await say(bot, who, "/actions"), language, "actions")
    assert_says(await say(bot, who, "/meeting abc"), language, "bad")
    assert_says(await say(bot, who, "/addmember GH Ghana"), language, "refused")


async def test_a_reader_s_own_time_is_named_in_their_language(bot, readers):
    assert "; su hora jue, 5 jul 2007, 07:00 – 09:00 (Ciudad de México)" in \
        await say(bot, ANA, "/next")


@pytest.mark.parametrize(("who", "language"),
                         [(ED, "en"), (HANS, "en"), (CLAIRE, "fr"), (LUCIA, "es")],
                         ids=["en-GB", "de", "fr-CA", "es-MX"])
async def test_a_stranger_reads_telegram_s_language(bot, readers, services, who, language):
    help_text = await say(bot, who, "/help")
    assert_says(help_text, language, "help")
    assert SAYS[language]["help_linked"] not in help_text
    assert_says(await say(bot, who, "/next"), language, "next")
    assert_says(await say(bot, who, f"/meeting {readers.summit}"), language, "meeting")
    assert_says(await say(bot, who, "/actions"), language, "link_first")  # a refusal
    assert_says(await say(bot, who, "/meeting abc"), language, "bad")
    assert_says(await say(bot, who, "/addmember GH Ghana"), language, "refused")


@pytest.mark.parametrize(("who", "welcome"), [
    (ED, "Welcome, Ed. I am the assistant of the Global Forum on Migration and Development's "
         "Friends of the Forum."),
    (CLAIRE, "Bienvenue, Claire. Je suis l'assistant des Amis du Forum du Forum mondial sur la "
             "migration et le développement."),
    (LUCIA, "Le damos la bienvenida, Lucía. Soy el asistente de los Amigos del Foro del Foro "
            "Mundial sobre Migración y Desarrollo."),
    (JAN, "Bienvenue, Jan Peeters."),
], ids=["en", "fr-CA", "es-MX", "fr-linked"])
async def test_start_greets_in_the_reader_s_language(bot, readers, who, welcome):
    assert welcome in await say(bot, who, "/start")


async def test_a_setting_beats_telegram_s_language(bot, readers):
    """Jan's Telegram app is English; his setting is French."""
    assert JAN["language_code"] == "en"
    assert_says(await say(bot, JAN, "/next"), "fr", "next")


@pytest.mark.parametrize(("admin", "language"), [(ADMIN, "en"), (ADMIN_FR, "fr"),
                                                 (ADMIN_ES, "es")], ids=["en", "fr", "es"])
async def test_a_guided_form_asks_every_step_in_the_reader_s_language(bot, services, data,
                                                                      admin, language):
    """The form's answers are not wrapped by the guard: each step sets the language itself."""
    steps = {
        "en": ("<b>New action item</b> (1/3) Which member owns it?",
               "<b>New action item</b> (2/3) When is it due?",
               "30 February 2007 does not exist. Please try again, or send /cancel.",
               "(3/3) What is to be done?", "Stopped; nothing was changed."),
        "fr": ("<b>Nouvelle action de suivi</b> (1/3) Quel membre en est chargé ?",
               "<b>Nouvelle action de suivi</b> (2/3) Quelle est l'échéance ?",
               "Le 30 février 2007 n'existe pas. Veuillez réessayer, ou envoyez /cancel.",
               "(3/3) Que faut-il faire ?", "Arrêté ; rien n'a été modifié."),
        "es": ("<b>Nueva acción de seguimiento</b> (1/3) ¿Qué miembro está a cargo?",
               "<b>Nueva acción de seguimiento</b> (2/3) ¿Cuál es la fecha límite?",
               "El 30 de febrero de 2007 no existe. Inténtelo de nuevo, o envíe /cancel.",
               "(3/3) ¿Qué hay que hacer?", "Detenido; no se ha modificado nada."),
    }[language]
    before = await count(services, ActionItem)
    assert steps[0] in await say(bot, admin, "/addaction")
    await say(bot, ED, "/help")  # someone else, in English, between two steps
    assert steps[1] in await say(bot, admin, "FI")
    assert steps[2] in await say(bot, admin, "2007-02-30")
    assert steps[3] in await say(bot, admin, "2007-12-31")
    assert steps[4] in await say(bot, admin, "/cancel")
    assert await count(services, ActionItem) == before


async def test_form_buttons_and_typed_skip_in_french(bot, data):
    await say(bot, ADMIN_FR, "/addmeeting")
    await say(bot, ADMIN_FR, "2007-10-02 10:00")
    calls = await press(bot, ADMIN_FR, "form:Manila")
    check_sane(calls)
    assert "(3/7) Quand se termine-t-elle ?" in texts(calls)
    assert ("passer", "form:skip") in calls[-1].buttons  # the label translated, the data not
    assert "(4/7) Quel est le titre ?" in await say(bot, ADMIN_FR, "passer")  # typed skip
    await say(bot, ADMIN_FR, "Groupe de pilotage")
    calls = await in_own_task(bot.send(ADMIN_FR, "Manille"))
    assert ("groupe de pilotage", "form:steering") in calls[-1].buttons
    await press(bot, ADMIN_FR, "form:steering")
    text = texts(await press(bot, ADMIN_FR, "form:skip"))
    assert "Réunion prévue :\n<b>#5</b> Groupe de pilotage" in text
    assert "mar. 2 oct. 2007, 10:00 – 12:00 (Manille)" in text


@pytest.mark.parametrize(("who", "saved", "label"), [
    (LIISA, "Saved: I will attend.", "I will attend"),
    (JAN, "Enregistré : Je participerai.", "Je participerai"),
    (ANA, "Guardado: Asistiré.", "Asistiré"),
], ids=["en", "fr", "es"])
async def test_buttons_answer_in_the_reader_s_language(bot, readers, who, saved, label):
    calls = await in_own_task(bot.send(who, f"/meeting {readers.summit}"))
    assert label in [text for text, _data in calls[0].buttons]
    answered = texts(await press(bot, who, f"att:{readers.summit}:yes"))
    assert saved in answered


async def test_did_you_mean_and_its_buttons_in_french_and_spanish(bot, readers):
    await say(bot, ADMIN, "/addmember NE Niger")
    await say(bot, ADMIN, "/addmember NG Nigeria")
    for who, question, title in (
        (JAN, "Vouliez-vous dire Niger (NE) ou Nigeria (NG) ?",
         "<b>Actions de suivi en cours : Nigeria</b> : aucune."),
        (ANA, "¿Quiso decir Niger (NE) o Nigeria (NG)?",
         "<b>Acciones de seguimiento abiertas de Nigeria</b>: ninguna."),
    ):
        calls = await in_own_task(bot.send(who, "/actions nige"))
        assert question in texts(calls)
        pick = next(data_ for _label, data_ in calls[-1].buttons if data_.endswith(":NG"))
        assert title in texts(await press(bot, who, pick, calls[-1].result["message_id"]))


async def test_paging_buttons_and_an_expired_list(bot, readers):
    with i18n.using("es"):
        labels = [b.text for b in page_buttons("1", 1, 3).inline_keyboard[0]]
    assert labels == ["◀ Anterior", "2 / 3", "Siguiente ▶"]
    answered = texts(await press(bot, JAN, "pg:99:1"))
    assert "Cette liste a expiré ; veuillez renvoyer la commande." in answered
    answered = texts(await press(bot, LUCIA, "pg:99:1"))
    assert "Esta lista ha caducado; envíe de nuevo el comando." in answered


async def test_an_error_is_told_in_the_reader_s_language(bot, readers):
    bot.request.fail("sendDocument", Fault(400, "Bad Request: wrong file identifier"))
    text = texts(await in_own_task(bot.send(JAN, f"/meeting {readers.summit}")))
    assert ("Désolé, une erreur s'est produite de notre côté et rien n'a été modifié. Veuillez "
            "réessayer dans un instant ; si l'erreur persiste, prévenez la structure "
            "d'appui.") in text
    bot.request.fail("sendDocument", Fault(400, "Bad Request: wrong file identifier"))
    text = texts(await in_own_task(bot.send(LUCIA, f"/meeting {readers.summit}")))
    assert "Lo sentimos, se ha producido un error de nuestra parte" in text


async def test_unknown_commands_and_cancel_in_the_reader_s_language(bot, readers):
    assert "Je ne connais pas cette commande. Consultez /help" in await say(bot, CLAIRE, "/hola")
    assert "No conozco ese comando. Consulte /help" in await say(bot, ANA, "/bonjour")
    assert "Il n'y a rien à annuler." in await say(bot, JAN, "/cancel")
    answered = texts(await press(bot, LUCIA, "nonsense:1"))
    assert "Este botón ya no es válido." in answered


@pytest.mark.parametrize(("typed", "code", "reply"), [
    ("Français", "fr", "Langue : Français"),
    ("french", "fr", "Langue : Français"),
    ("español", "es", "Idioma: Español"),
    ("Spanish", "es", "Idioma: Español"),
    ("anglais", "en", "Language: English"),
])
async def test_settings_language_takes_names_and_answers_in_the_new_language(
        bot, services, readers, typed, code, reply):
    assert reply in await say(bot, JAN, f"/settings language {typed}")
    async with services.sessions() as session:
        jan = (await session.exec(select(Person).where(Person.telegram_id == JAN["id"]))).one()
    assert jan.language == code


async def test_a_wrong_language_name_is_refused_in_the_reader_s_language(bot, services, readers):
    text = await say(bot, ANA, "/settings language klingon")
    assert "«klingon» no es un idioma que yo pueda usar; elija English, Français o Español." \
        in text
    async with services.sessions() as session:
        ana = (await session.exec(select(Person).where(Person.telegram_id == ANA["id"]))).one()
    assert ana.language == "es"


async def test_command_menus_per_language(bot, services, data):
    bot.request.clear()
    await set_bot_commands(bot.app)
    menus = {}
    for call in bot.request.sent("setMyCommands"):
        scope = call.params["scope"]
        scope = json.loads(scope) if isinstance(scope, str) else scope
        commands = call.params["commands"]
        commands = json.loads(commands) if isinstance(commands, str) else commands
        menus[scope["type"], call.params.get("language_code")] = {
            c["command"]: c["description"] for c in commands}
    assert set(menus) == {("default", None), ("default", "fr"), ("default", "es"),
                          ("chat", None), ("chat", "fr"), ("chat", "es")}
    assert menus["default", None]["next"] == "the next meeting"
    assert menus["default", "fr"]["next"] == "la prochaine réunion"
    assert menus["default", "es"]["next"] == "la próxima reunión"
    assert menus["chat", "fr"]["addaction"].startswith("ajouter une action de suivi")
    assert menus["chat", "es"]["steering"] == "el Grupo Directivo por región"
    assert set(menus["default", "fr"]) == set(menus["default", None])  # the same commands
    assert "addmember" not in menus["default", "es"]


async def test_attendance_in_french(bot, readers):
    await press(bot, JAN, f"att:{readers.summit}:yes")
    text = await say(bot, ADMIN_FR, f"/attendance {readers.summit}")
    assert "<b>Participation à la réunion n° 1 Global Forum on Migration and Development</b>" \
        in text
    assert "je participerai : 1" in text and "Jan Peeters : Je participerai" in text
    assert "<b>Pas encore de réponse (" in text


def _chat_menus(calls, chat_id: int) -> dict:
    """(language_code -> {command: description}) set for one private chat in these calls."""
    found = {}
    for call in calls:
        if call.method != "setMyCommands":
            continue
        scope = call.params["scope"]
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if scope != {"type": "chat", "chat_id": chat_id}:
            continue
        commands = call.params["commands"]
        commands = json.loads(commands) if isinstance(commands, str) else commands
        found[call.params.get("language_code")] = {c["command"]: c["description"]
                                                   for c in commands}
    return found


async def test_the_menu_follows_the_settings_language(bot, services, data):
    """Jan's Telegram app is English; once he chooses French his chat's menu is French for
    every app language, as his replies are; back to English, English again."""
    calls = await bot.send(JAN, "/settings language fr")
    menus = _chat_menus(calls, JAN["id"])
    assert set(menus) == {None, "fr", "es"}
    assert {m["next"] for m in menus.values()} == {"la prochaine réunion"}
    assert "whoami" in menus[None] and "addmember" not in menus[None]  # his role's commands
    calls = await bot.click(JAN, "set:language:en")
    assert {m["next"] for m in _chat_menus(calls, JAN["id"]).values()} == {"the next meeting"}
    calls = await bot.click(JAN, "set:language:en")  # already his: nothing is set again
    assert _chat_menus(calls, JAN["id"]) == {}


async def test_an_administrator_with_a_language_gets_the_admin_menu_in_it(bot, services, data):
    await ask(bot, JAN, "/settings language es")
    bot.request.clear()
    await set_bot_commands(bot.app)
    await ask(bot, ADMIN, "/admin add 5002")  # Jan becomes an administrator
    menus = _chat_menus(bot.request.sent("setMyCommands"), JAN["id"])
    assert {m["steering"] for m in menus.values()} == {"el Grupo Directivo por región"}
    assert all("addmember" in m for m in menus.values())
    admin_menus = _chat_menus(bot.request.sent("setMyCommands"), ADMIN_ID)  # no contact record
    assert admin_menus["fr"]["next"] == "la prochaine réunion"
    assert admin_menus[None]["next"] == "the next meeting"
