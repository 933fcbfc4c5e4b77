"""Plain questions in French and Spanish (issue 9, point 4): the right intent, the right answer,
in the asker's language; a stranger is answered in the language of the question; the UN
regional groups' official names in the three languages.

Each answer is checked three ways: its content (the steering group's meeting, Mexico's focal
point), the answer the matching command gives the same person (the commands speak the person's
language), and something only the asker's language shows (a month written in French or Spanish,
or a sentence of the questions' catalog).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot import i18n, names, parsing
from bot.i18n import _
from bot.offline import user
from handlers.guard import LINK_FIRST
from handlers.intents import Intent, interpret
from storage.models import Meeting, Region
from tests.fixtures_bot import ADMIN, ANA, DELEGATE, JAN, ask, data_fixture  # noqa: F401

TODAY = date(2007, 7, 2)
INFORMAL = "Friends of the Forum, informal"  # a Friends meeting on 3 July, before all others
SPANISH_STRANGER = user(900801, "Lucía", language="es")
ENGLISH_STRANGER = user(900802, "Paul", language="en")
NO_CODE_STRANGER = {"id": 900803, "is_bot": False, "first_name": "Sam"}  # no language_code


@dataclass(frozen=True)
class Case:
    question: str
    intent: Intent
    command: str | None = None  # the command whose answer the question must get
    shows: tuple[str, ...] = ()  # in the answer
    hides: tuple[str, ...] = ()  # not in the answer
    dated: bool = False  # the answer writes a July date, in the asker's language


FRENCH = [
    Case("quelle est la prochaine réunion du groupe de pilotage ?",
         Intent("next", kind="steering"), shows=("Steering group",), hides=(INFORMAL,),
         dated=True),
    Case("Quand a lieu la prochaine réunion ?", Intent("next"), shows=(INFORMAL,), dated=True),
    Case("Quelle est la prochaine réunion des Amis du Forum ?", Intent("next", kind="friends"),
         shows=(INFORMAL,), hides=("Steering group",), dated=True),
    Case("quand est le prochain appel de la troïka ?", Intent("next", kind="troika"),
         shows=("Troika call",), hides=(INFORMAL, "Steering group"), dated=True),
    Case("prochaine reunoin du groupe de pilotaeg", Intent("next", kind="steering"),
         shows=("Steering group",), hides=(INFORMAL,), dated=True),
    Case("Qui est le point focal du Mexique ?", Intent("focal", subject="mexique"),
         "/focal MX", ("Ana García",)),
    Case("QUI EST LE POINT FOCAL DU MEXIQUE", Intent("focal", subject="mexique"),
         "/focal MX", ("Ana García",)),
    Case("point focal pour le Sénégal", Intent("focal", subject="senegal"), "/focal SN",
         ("Senegal", "Awa Diop")),
    Case("Quel est le point focal des Philippines ?", Intent("focal", subject="philippines"),
         "/focal PH", ("Maria Santos",)),
    Case("point focal de l'Allemagne", Intent("focal", subject="allemagne"), "/focal DE",
         ("Germany", "Anna Schmidt")),
    Case("Qui représente la Finlande ?", Intent("focal", subject="finlande"), "/focal FI",
         ("Liisa Virtanen",)),
    Case("Qu'est-ce qui est en retard pour le Bangladesh ?",
         Intent("actions", subject="bangladesh", which="overdue"),
         shows=("Bangladesh", "Feasibility study"), hides=("Pilot on measuring",)),
    Case("quelles sont mes actions en retard ?", Intent("actions", mine=True, which="overdue"),
         hides=("Circulate the Global Forum report", "Feasibility study")),
    Case("quelles sont mes actions ?", Intent("actions", mine=True), "/actions mine",
         ("Circulate the Global Forum report",), ("Feasibility study",)),
    Case("actions de suivi de la Finlande", Intent("actions", subject="finlande"),
         shows=("Pilot on measuring",), hides=("Feasibility study",)),
    Case("qui fait partie de la troïka ?", Intent("troika"), "/troika",
         ("Belgium", "Philippines")),
    Case("qui préside le Forum ?", Intent("troika"), "/troika", ("Belgium",)),
    Case("qui est dans le groupe de pilotage ?", Intent("steering"), "/steering",
         ("Mexico", "Finland")),
    Case("Quels sont les membres ?", Intent("members"), "/members", ("Ghana", "Bangladesh")),
    Case("membres du Groupe des États d'Afrique", Intent("members", region="African"),
         "/members African", ("Ghana",), ("Belgium",)),
    Case("Quels pays font partie du Groupe des États d'Europe occidentale et autres États ?",
         Intent("members", region="Western European and Others"), "/members WEOG",
         ("Belgium", "Finland"), ("Ghana", "Mexico")),
    Case("réunions en juillet", Intent("meetings", month=(2007, 7)),
         shows=("Réunions en juillet 2007", "Steering group", "Troika call"), dated=True),
    Case("quelles réunions y a-t-il le mois prochain ?", Intent("meetings", month=(2007, 8)),
         shows=("Réunions en août 2007",), hides=("Steering group",)),
    Case("calendrier", Intent("meetings"), "/meetings", ("Steering group",)),
    Case("qui suis-je ?", Intent("whoami"), "/whoami", ("Jan Peeters",)),
    Case("aide", Intent("help"), "/help", ("/next",)),
    Case("qui est le point focal ?", Intent("focal"),
         shows=("Quel membre ? Par exemple : <i>qui est le point focal du Mexique ?</i>",)),
]

SPANISH = [
    Case("¿quién es el punto focal de México?", Intent("focal", subject="mexico"),
         "/focal MX", ("Ana García",)),
    Case("quien es el punto focla de mexico", Intent("focal", subject="mexico"), "/focal MX",
         ("Ana García",)),
    Case("¿Quién es el punto focal de Filipinas?", Intent("focal", subject="filipinas"),
         "/focal PH", ("Maria Santos",)),
    Case("punto focal de Alemania", Intent("focal", subject="alemania"), "/focal DE",
         ("Anna Schmidt",)),
    Case("¿Quién es el punto focal del Senegal?", Intent("focal", subject="senegal"),
         "/focal SN", ("Awa Diop",)),
    Case("¿Quién representa a Finlandia?", Intent("focal", subject="finlandia"), "/focal FI",
         ("Liisa Virtanen",)),
    Case("¿Cuál es la próxima reunión del Grupo Directivo?", Intent("next", kind="steering"),
         shows=("Steering group",), hides=(INFORMAL,), dated=True),
    Case("¿cuándo es la próxima reunión de los Amigos del Foro?",
         Intent("next", kind="friends"), shows=(INFORMAL,), hides=("Steering group",),
         dated=True),
    Case("¿Cuándo es la próxima reunión?", Intent("next"), shows=(INFORMAL,), dated=True),
    Case("¿Cuándo es la próxima llamada de la troika?", Intent("next", kind="troika"),
         shows=("Troika call",), hides=(INFORMAL,), dated=True),
    Case("¿Qué está atrasado para Bangladesh?",
         Intent("actions", subject="bangladesh", which="overdue"),
         shows=("Feasibility study",), hides=("Pilot on measuring",)),
    Case("¿Cuáles son mis acciones?", Intent("actions", mine=True), "/actions mine",
         hides=("Feasibility study", "Pilot on measuring")),
    Case("¿Qué tengo que hacer?", Intent("actions", mine=True), "/actions mine",
         hides=("Feasibility study",)),
    Case("¿Cuáles son las acciones pendientes de Finlandia?",
         Intent("actions", subject="finlandia"), shows=("Pilot on measuring",),
         hides=("Feasibility study",)),
    Case("las tareas de Bélgica", Intent("actions", subject="belgica"),
         shows=("Circulate the Global Forum report",), hides=("Pilot on measuring",)),
    Case("¿Quiénes forman la troika?", Intent("troika"), "/troika", ("Belgium", "Philippines")),
    Case("¿Quién preside el Foro?", Intent("troika"), "/troika", ("Belgium",)),
    Case("¿quiénes son los miembros del Grupo Directivo?", Intent("steering"), "/steering",
         ("Mexico", "Finland"), ("Ghana",)),
    Case("¿Quiénes son los miembros?", Intent("members"), "/members", ("Ghana", "Mexico")),
    Case("miembros del Grupo de los Estados de África", Intent("members", region="African"),
         "/members African", ("Ghana",), ("Belgium",)),
    Case("¿Qué países son miembros del Grupo de los Estados de América Latina y el Caribe?",
         Intent("members", region="Latin American and Caribbean"), "/members GRULAC",
         ("Mexico",), ("Belgium", "Ghana")),
    Case("reuniones en julio", Intent("meetings", month=(2007, 7)),
         shows=("Reuniones en julio de 2007", "Steering group"), dated=True),
    Case("¿qué reuniones hay el mes que viene?", Intent("meetings", month=(2007, 8)),
         shows=("Reuniones en agosto de 2007",), hides=("Steering group",)),
    Case("calendario", Intent("meetings"), "/meetings", ("Troika call",)),
    Case("¿quién soy?", Intent("whoami"), "/whoami", ("Ana García",)),
    Case("ayuda", Intent("help"), "/help", ("/next",)),
    Case("¿quién es el punto focal?", Intent("focal"),
         shows=("¿Qué miembro? Por ejemplo: <i>¿quién es el punto focal de México?</i>",)),
]


# More ways of asking (the intent and the language only; the answers are those above).
MORE = [
    ("Qui est le contact pour le Mexique ?", Intent("focal", subject="mexique"), "fr"),
    ("Qui est le correspondant pour le Mexique ?", Intent("focal", subject="mexique"), "fr"),
    ("point focal des Pays-Bas", Intent("focal", subject="pays bas"), "fr"),
    ("point focal de Trinité-et-Tobago", Intent("focal", subject="trinite et tobago"), "fr"),
    ("Y a-t-il des actions en retard ?", Intent("actions", which="overdue"), "fr"),
    ("La Belgique a-t-elle du retard ?", Intent("actions", subject="belgique",
                                                 which="overdue"), "fr"),
    ("Quelles sont les prochaines réunions ?", Intent("meetings"), "fr"),
    ("On se réunit quand ?", Intent("next"), "fr"),
    ("C'est quand la prochaine réunion ?", Intent("next"), "fr"),
    ("Quand est le sommet ?", Intent("next"), "fr"),
    ("Qui sont les membres de la troïka ?", Intent("troika"), "fr"),
    ("Qui est membre du groupe de pilotage ?", Intent("steering"), "fr"),
    ("Liste des membres", Intent("members"), "fr"),
    ("membres d'Afrique", Intent("members", region="African"), "fr"),
    ("que pouvez-vous faire ?", Intent("help"), "fr"),
    ("¿Quién es la persona de contacto de México?", Intent("focal", subject="mexico"), "es"),
    ("¿Quién es el punto focal de los Estados Unidos?",
     Intent("focal", subject="estados unidos"), "es"),
    ("punto focal de Bosnia y Herzegovina", Intent("focal", subject="bosnia y herzegovina"),
     "es"),
    ("¿Hay alguna acción atrasada?", Intent("actions", which="overdue"), "es"),
    ("¿Qué tiene pendiente Bélgica?", Intent("actions", subject="belgica"), "es"),
    ("¿Está atrasado México?", Intent("actions", subject="mexico", which="overdue"), "es"),
    ("mis tareas", Intent("actions", mine=True), "es"),
    ("¿Cuáles son las próximas reuniones?", Intent("meetings"), "es"),
    ("¿Cuándo nos reunimos?", Intent("next"), "es"),
    ("¿Cuándo es la cumbre?", Intent("next"), "es"),
    ("¿Quién ocupa la presidencia?", Intent("troika"), "es"),
    ("¿Qué países forman parte del Grupo Directivo?", Intent("steering"), "es"),
    ("¿Quiénes son los miembros del GRULAC?",
     Intent("members", region="Latin American and Caribbean"), "es"),
    ("miembros de Asia y el Pacífico", Intent("members", region="Asia-Pacific"), "es"),
    ("¿qué puede hacer?", Intent("help"), "es"),
    # small typos, as in English
    ("qui fait partie du groupe de pilotge", Intent("steering"), "fr"),
    ("actoins en retrad", Intent("actions", which="overdue"), "fr"),
    ("prochainne réunion", Intent("next"), "fr"),
    ("¿Cuándo es la porxima reunion del grupo directvo?", Intent("next", kind="steering"), "es"),
    ("¿quiénes son los miembors?", Intent("members"), "es"),
    ("¿Cuáles son mis acciones atrasdas?", Intent("actions", mine=True, which="overdue"), "es"),
]


@pytest.mark.parametrize("question,expected,language", MORE, ids=[q for q, _i, _l in MORE])
def test_more_phrasings(question, expected, language):
    found = interpret(question, TODAY)
    assert found == expected
    assert found.language == language


def test_enough_phrasings():
    assert len(FRENCH) >= 20 and len(SPANISH) >= 20


@pytest.mark.parametrize("case,language", [(c, "fr") for c in FRENCH]
                         + [(c, "es") for c in SPANISH],
                         ids=[c.question for c in FRENCH + SPANISH])
def test_intent_and_language_of_the_question(case, language):
    found = interpret(case.question, TODAY)
    assert found == case.intent
    assert found.language == language


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_examples_we_give_are_understood(language):
    """The example questions the bot suggests, in each language, are ones it understands."""
    from handlers.questions import EXAMPLES

    with i18n.using(language):
        shown = _(EXAMPLES) + _("Which member? For example: <i>who is the focal point for "
                                "Mexico?</i>")
    examples = re.findall(r"<i>(.*?)</i>", shown)
    assert len(examples) == 5
    for example in examples:
        found = interpret(example, TODAY)
        assert found.name != "unknown", example
        assert found.language == language, example
    assert interpret(examples[0], TODAY).subject is not None


def july(language: str) -> re.Pattern[str]:
    """July as the language writes it in a date: juil. / jul (never "Jul", English)."""
    return re.compile(r"\bjuil" if language == "fr" else r"\bjul\b|\bjulio\b")


async def more_data(bot, services) -> None:
    """A Friends meeting before the steering group's, and two members the seed lacks."""
    async with services.sessions.begin() as session:
        now = datetime(2007, 7, 1, tzinfo=UTC)
        session.add(Meeting(title=INFORMAL, starts_at=datetime(2007, 7, 3, 8, tzinfo=UTC),
                            ends_at=datetime(2007, 7, 3, 9, tzinfo=UTC), uid="informal@test",
                            timezone="Europe/Brussels", location="Geneva", kind="friends",
                            audience="all", created_at=now, updated_at=now))
    for command in ("/addmember SN Senegal", "/addmember DE Germany",
                    "/setfocal SN awa.diop@example.sn Awa Diop",
                    "/setfocal DE anna.schmidt@example.de Anna Schmidt"):
        reply = await ask(bot, ADMIN, command)
        assert "Senegal" in reply or "Germany" in reply, reply


async def check(bot, who: dict, cases: list[Case], language: str) -> None:
    for case in cases:
        text = await ask(bot, who, case.question)
        assert text, case.question
        for shown in case.shows:
            assert shown in text, (case.question, text)
        for hidden in case.hides:
            assert hidden not in text, (case.question, text)
        if case.command:
            assert text == await ask(bot, who, case.command), case.question
        if case.dated:
            assert july(language).search(text), (case.question, text)
            assert not re.search(r"\bJul\b|\bJuly\b", text), (case.question, text)


async def test_french_questions_answered_in_french(bot, services, data):
    await more_data(bot, services)
    assert "Awa Diop" in await ask(bot, ANA, "/focal SN")
    await ask(bot, JAN, "/settings language fr")
    await check(bot, JAN, FRENCH, "fr")


async def test_spanish_questions_answered_in_spanish(bot, services, data):
    await more_data(bot, services)
    await ask(bot, ANA, "/settings language es")
    await check(bot, ANA, SPANISH, "es")


async def test_a_linked_readers_setting_wins_over_the_question(bot, services, data):
    """Jan reads French: a question in Spanish is answered in French."""
    await ask(bot, JAN, "/settings language fr")
    text = await ask(bot, JAN, "reuniones en julio")
    assert "Réunions en juillet 2007" in text and "Reuniones" not in text


async def test_a_stranger_asking_in_spanish_gets_spanish(bot, data):
    with i18n.using("es"):
        link_first = _(LINK_FIRST)
    assert link_first != LINK_FIRST  # the guard's sentence is translated
    for stranger in (ENGLISH_STRANGER, NO_CODE_STRANGER):
        assert await ask(bot, stranger, "¿quién es el punto focal de México?") == link_first
        text = await ask(bot, stranger, "reuniones en julio")
        assert "Reuniones en julio de 2007" in text and "Steering group" in text
        assert july("es").search(text) and "Jul " not in text
        text = await ask(bot, stranger, "¿Cuál es la próxima reunión del Grupo Directivo?")
        assert "Steering group" in text and july("es").search(text), text
        assert "No he entendido su pregunta" in await ask(bot, stranger, "hola, ¿qué tal?")
        # the same answer as a command gives a stranger whose Telegram speaks Spanish
        assert (await ask(bot, stranger, "¿quiénes son los miembros del Grupo Directivo?")
                == await ask(bot, SPANISH_STRANGER, "/steering"))
    # the same stranger asking in English, or in French, is answered in that language
    assert "Meetings in July 2007" in await ask(bot, ENGLISH_STRANGER, "meetings in July")
    assert "Réunions en juillet 2007" in await ask(bot, ENGLISH_STRANGER, "réunions en juillet")


async def test_telegram_language_of_a_stranger_wins_over_the_question(bot, data):
    """A stranger whose Telegram speaks Spanish is answered in Spanish, even in French."""
    text = await ask(bot, SPANISH_STRANGER, "réunions en juillet")
    assert "Reuniones en julio de 2007" in text
    assert await ask(bot, DELEGATE, "hello") != await ask(bot, SPANISH_STRANGER, "hello")


async def test_short_question_request_in_the_question_language(bot, data):
    text = await ask(bot, ENGLISH_STRANGER, "¿quién es el punto focal de " + "México " * 80)
    assert "Por favor, haga una pregunta breve" in text


# --- UN regional groups -------------------------------------------------------------------

OFFICIAL = {
    Region.AFRICAN: ("African States", "Groupe des États d'Afrique",
                     "Grupo de los Estados de África"),
    Region.ASIA_PACIFIC: ("Asia-Pacific States", "Groupe des États d'Asie et du Pacifique",
                          "Grupo de los Estados de Asia y el Pacífico"),
    Region.EASTERN_EUROPEAN: ("Eastern European States", "Groupe des États d'Europe orientale",
                              "Grupo de los Estados de Europa Oriental"),
    Region.LATIN_AMERICAN_CARIBBEAN: (
        "Latin American and Caribbean States",
        "Groupe des États d'Amérique latine et des Caraïbes",
        "Grupo de los Estados de América Latina y el Caribe"),
    Region.WEOG: ("Western European and other States",
                  "Groupe des États d'Europe occidentale et autres États",
                  "Grupo de los Estados de Europa Occidental y otros Estados"),
}


@pytest.mark.parametrize("region", list(Region))
def test_region_names_in_three_languages(region):
    for language, official in zip(("en", "fr", "es"), OFFICIAL[region], strict=True):
        assert names.region_name(region, language) == official
        assert parsing.region(official) == region  # accepted as input, in any language
        assert parsing.region(official.upper()) == region
    assert names.region_name(region, "de") == OFFICIAL[region][0]  # else English


@pytest.mark.parametrize("typed, region", [
    ("Afrique", "African"), ("África", "African"), ("africa", "African"),
    ("Europe orientale", "Eastern European"), ("Europa del Este", "Eastern European"),
    ("Amérique latine et Caraïbes", "Latin American and Caribbean"),
    ("America Latina y el Caribe", "Latin American and Caribbean"),
    ("Asie-Pacifique", "Asia-Pacific"), ("Asia y el Pacifico", "Asia-Pacific"),
    ("Europa Occidental y otros", "Western European and Others"),
    ("Europe occidentale", "Western European and Others"),
])
def test_regions_written_loosely_in_french_and_spanish(typed, region):
    assert parsing.region(typed) == region


def test_unknown_region_value_is_shown_as_it_is():
    assert names.region_name("Oceania", "fr") == "Oceania"
    assert names.region_name(None, "es") == ""


async def test_members_command_takes_a_region_in_french_and_spanish(bot, data):
    english = await ask(bot, ANA, "/members African")
    assert "Ghana" in english and "Belgium" not in english
    for typed in ("Groupe des États d'Afrique", "Grupo de los Estados de Africa",
                  "African States"):
        assert await ask(bot, ANA, f"/members {typed}") == english, typed


def test_country_names_in_three_languages():
    from storage.regions import territory_names

    assert {"Mexico", "Mexique", "México"} <= set(territory_names("MX"))
    assert {"Senegal", "Sénégal"} <= set(territory_names("sn"))
    assert {"Philippines", "Filipinas"} <= set(territory_names("PH"))
    assert {"Germany", "Allemagne", "Alemania"} <= set(territory_names("DE"))
    assert territory_names("IOM") == ()

