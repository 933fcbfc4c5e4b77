"""Administration in French and Spanish: refusals worded by storage, /audit, an import report,
bad input and the membership replies, each in the administrator's own language.

The French administrator has no contact record: his language is the one Telegram reports
(`fr`). The Spanish one is Ana García, a linked contact whose setting is `es` (her Telegram
says English): the setting wins.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.audit_text import AuditLine, sentence
from bot.i18n import using
from bot.importer import parse_csv, report
from bot.offline import user
from storage.audit import AuditAction
from storage.models import Member, Person
from tests.fixtures_bot import (
    ADMIN,
    ADMIN_ID,
    ANA,
    ask,
    audits,
    check_sane,
    data_fixture,  # noqa: F401
    snapshot_db,
    texts,
)

FRENCH = user(ADMIN_ID, "Support", "fr")  # Telegram says French; no contact record
SPANISH = ANA  # Telegram says English; her setting says Spanish

CONTACTS = (
    "code,name,kind,steering,language,colour\n"
    "SN,Senegal,,yes,fr,blue\n"
    "CI,Côte d'Ivoire,,maybe,,\n"
    "SN,Senegal again,,,,\n"
    "ZZ,Nowhere,state,,,\n"
    "BE,Belgium,,yes,klingon,\n"
)


@pytest.fixture(name="spanish")
async def spanish_fixture(bot, services, data):
    """Ana writes Spanish and is an administrator."""
    async with services.sessions.begin() as session:
        ana = (await session.exec(select(Person).where(Person.telegram_id == 5001))).one()
        ana.language = "es"
        session.add(ana)
    assert "5001 est désormais administrateur." in await ask(bot, FRENCH, "/admin add 5001")
    return SPANISH


async def members(services) -> dict[str, Member]:
    async with services.sessions() as session:
        return {m.code: m for m in (await session.exec(select(Member))).all()}


async def test_refusals_from_storage_are_in_the_readers_language(bot, services, data, spanish):
    before = await snapshot_db(services)
    assert await ask(bot, FRENCH, "/steering add BE") == (
        "Belgium fait déjà partie du groupe de pilotage. Rien n'a été modifié.")
    assert await ask(bot, spanish, "/steering remove GH") == (
        "Ghana no forma parte del Grupo Directivo. No se ha modificado nada.")
    assert await ask(bot, FRENCH, "/troika present BE") == (
        "Belgium assure déjà la présidence en exercice de la troïka. Rien n'a été modifié.")
    assert await ask(bot, spanish, "/admin remove 5001") == (
        "No puede retirarse a sí mismo; pídaselo a otro administrador. "
        "No se ha modificado nada.")
    assert await ask(bot, FRENCH, "/setfocal ZZ a@b.example Nobody") == (
        "Je ne connais aucun membre nommé « ZZ » ; envoyez /members pour en voir la liste. "
        "Rien n'a été modifié.")
    assert await snapshot_db(services) == before
    # The same refusal, at the same time, for an English reader: one task's language does not
    # leak into another's.
    assert await ask(bot, ADMIN, "/steering add BE") == (
        "Belgium is already in the steering group. Nothing was changed.")


async def test_an_unclear_member_is_asked_about_in_the_readers_language(bot, data, spanish):
    await ask(bot, FRENCH, "/addmember NE Niger")
    await ask(bot, FRENCH, "/addmember NG Nigeria")
    assert await ask(bot, spanish, "/troika past Nige") == \
        "¿Quiso decir Niger (NE) o Nigeria (NG)?"
    assert await ask(bot, FRENCH, "/steering add Nige") == \
        "Vouliez-vous dire Niger (NE) ou Nigeria (NG) ?"


async def test_audit_lists_read_as_french_and_spanish_sentences(bot, services, data, spanish):
    await ask(bot, FRENCH, "/steering add GH")
    await ask(bot, spanish, "/troika past GH")
    french = await ask(bot, FRENCH, "/audit 3")
    assert french.startswith("<b>Les 3 dernières modifications</b> (fuseau horaire : "
                             "Europe/Brussels)")
    assert "Ana García (5001) a attribué à GH la présidence sortante de la troïka" in french
    assert "« Support » (nom Telegram, 900001) a fait entrer Ghana (GH) au groupe de " \
           "pilotage" in french
    assert "a nommé Ana García (5001) administrateur" in french
    assert french.count(" : ") >= 4  # French puts a space before its colons
    spanish_text = await ask(bot, spanish, "/audit 1")
    assert spanish_text.startswith("<b>El último cambio</b> (zona horaria: "
                                   "America/Mexico_City)")
    assert "Ana García (5001) asignó a GH la presidencia saliente de la troika" in spanish_text
    for text in (french, spanish_text):
        assert "troika seat" not in text and "steering group" not in text


def test_every_audit_sentence_has_its_translation():
    """Each kind of entry reads as a French and a Spanish sentence, never the English one."""
    from datetime import UTC, datetime

    at = datetime(2007, 7, 2, 22, 30, tzinfo=UTC)
    line = AuditLine(at, "5001", AuditAction.MEETING_CANCEL, "2 Steering group", "",
                     who="Ana García", before={"starts_at": at.isoformat()})
    english = sentence(line, "Europe/Brussels", "en")
    assert english.startswith("Ana García cancelled Steering group meeting #2 of ")
    assert sentence(line, "Europe/Brussels", "fr").startswith(
        "Ana García a annulé la réunion n° 2 « Steering group » du ")
    assert sentence(line, "Europe/Brussels", "es").startswith(
        "Ana García canceló la reunión n.º 2 “Steering group” del ")
    retried = AuditLine(at, "cli", AuditAction.OUTBOX_RETRY, "3 message(s)", "",
                        who="l'opérateur")
    assert sentence(retried, "UTC", "fr") == "l'opérateur a relancé l'envoi de 3 courriels " \
                                             "en échec"
    denied = AuditLine(at, "5001", AuditAction.DENIED, "audit", "", who="Ana",
                       after={"attempted": "/audit", "count": 1})
    assert sentence(denied, "UTC", "es") == "a Ana se le denegó /audit: “/audit”"


async def test_a_contact_import_report_in_french_then_spanish(bot, services, data, spanish):
    calls = await bot.upload(FRENCH, "membres.csv", CONTACTS.encode())
    check_sane(calls)
    french = texts(calls)
    assert "5 lignes lues : 2 valide(s), 3 refusée(s)." in french
    assert "Colonnes inconnues, ignorées : colour" in french
    assert "ligne 3 : steering « maybe » n'est ni oui ni non" in french
    assert "ligne 4 : SN figure déjà à la ligne 2" in french
    assert "ligne 5 : ZZ n'est pas le code ISO d'un État membre de l'ONU" in french
    assert "ligne 6 : avertissement : la langue « klingon » n'est pas l'une des miennes " \
           "(English, Français, Español) ; l'anglais sera utilisé" in french
    assert "Par rapport aux données enregistrées : 1 nouveau(x), 0 modifié(s), " \
           "1 inchangé(s)." in french
    assert "Rien n'est enregistré tant que vous n'avez pas confirmé." in french
    assert "Importer maintenant ?" in french
    labels = [label for call in calls for label, _data in call.buttons]
    assert labels == ["Importer les 2 lignes valides", "Annuler"]
    assert "SN" not in await members(services)  # a dry run: nothing written

    calls = await bot.upload(spanish, "miembros.csv", CONTACTS.encode())
    spanish_text = texts(calls)
    assert "5 filas leídas: 2 válida(s), 3 rechazada(s)." in spanish_text
    assert "fila 5: ZZ no es el código ISO de un Estado miembro de la ONU" in spanish_text
    assert "¿Importar ahora?" in spanish_text
    assert "SN" not in await members(services)

    button = next(data for call in calls for _label, data in call.buttons
                  if data.startswith("imp:") and data != "imp:no")
    done = texts(await bot.click(spanish, button))
    assert done.strip().startswith("miembros.csv importado: 1 miembro añadido, 0 modificado(s), "
                           "1 sin cambios, 3 rechazado(s); 0 puntos focales modificados.")
    assert "SN" in await members(services)
    assert (await audits(services, AuditAction.IMPORT))[-1].after["file"] == "miembros.csv"


def test_the_report_is_english_for_the_operator():
    """The command line (no reader) keeps the English the operator reads."""
    lines = report(parse_csv(CONTACTS.encode()))
    assert lines[0] == "5 rows read: 2 valid, 3 rejected."
    with using("fr"):
        assert report(parse_csv(CONTACTS.encode()))[0] == "5 lignes lues : 2 valide(s), " \
                                                          "3 refusée(s)."


@pytest.mark.parametrize(("who", "command", "sentence_"), [
    ("fr", "/addmember SN", "Il me faut un code et un nom."),
    ("es", "/addmember SN", "Necesito un código y un nombre."),
    ("fr", "/setfocal MX", "Il me faut un code de membre, une adresse électronique et un nom "
                           "complet."),
    ("es", "/setfocal MX", "Necesito un código de miembro, una dirección de correo electrónico "
                           "y un nombre completo."),
    ("fr", "/admin promote 5002", "Indiquez add ou remove, puis l'identifiant numérique de "
                                  "l'utilisateur Telegram."),
    ("es", "/audit 0", "El número debe estar entre 1 y 200."),
])
async def test_bad_input_in_the_readers_language(bot, services, data, spanish, who, command,
                                                 sentence_):
    before = await snapshot_db(services)
    text = await ask(bot, FRENCH if who == "fr" else spanish, command)
    first, usage = text.split("\n", 1)
    assert first == sentence_
    assert usage.startswith("Forme : <code>" if who == "fr" else "Forma: <code>")
    assert await snapshot_db(services) == before


async def test_membership_replies_in_french_and_spanish(bot, services, data, spanish):
    french = await ask(bot, FRENCH, "/addmember SN Sénégal")
    assert french == "Ajout de Sénégal (SN) : État, Groupe des États d'Afrique."
    assert await ask(bot, spanish, "/steering add SN") == \
        "Sénégal (SN) se ha incorporado al Grupo Directivo."
    steering = await ask(bot, FRENCH, "/steering")
    assert steering.startswith("<b>Groupe de pilotage</b> (5 membres)")
    assert "Présidence sortante : <i>non attribuée</i>" in steering
    assert "Présidence en exercice : Belgium (BE)" in steering
    focal = await ask(bot, spanish, "/setfocal SN awa.diop@example.sn Awa Diop")
    assert focal == "Awa Diop (awa.diop@example.sn) es ahora el punto focal de Sénégal (SN)."
    card = await ask(bot, spanish, "/whoami")
    assert "• punto focal de Mexico (MX)" in card
    assert "resumen: semanal; recordatorios: activado" in card
    assert "Administrador: sí." in card
    asked = await bot.send(FRENCH, "/removemember BD")
    assert texts(asked) == "Retirer Bangladesh (BD) ? Son historique est conservé."
    assert [label for call in asked for label, _data in call.buttons] == [
        "Oui, retirer BD", "Non, ne rien changer"]


ACTIONS = (
    "member,due,title,status,colour\n"
    "Mexico,2007-09-30,Background paper,open,x\n"
    "Atlantis,2007-09-30,Nothing,,\n"
    "Ghana,2007-06-01,Late study,sometimes,\n"
    "Belgium,,No date,,\n"
)


async def test_an_action_import_report_in_french(bot, services, data):
    calls = await bot.upload(FRENCH, "actions.csv", ACTIONS.encode())
    check_sane(calls)
    text = texts(calls)
    assert "4 lignes d'actions de suivi lues : 1 valide(s), 3 refusée(s)." in text
    assert "ligne 3 : aucun membre ne s'appelle « Atlantis » (indiquez son code ou son nom " \
           "tel qu'il figure dans /members)" in text
    assert "ligne 4 : le statut « sometimes » ne fait pas partie de : open, in_progress, " \
           "done, cancelled" in text
    assert "ligne 5 : l'échéance manque" in text
    assert "Par rapport aux données enregistrées : 1 nouvelle(s), 0 déjà enregistrée(s)." \
        in text
    assert [label for call in calls for label, _data in call.buttons] == [
        "Importer la ligne valide", "Annuler"]


async def test_linking_speaks_the_telegram_language_of_a_stranger(bot, services, data):
    stranger = user(7777, "Kofi", "fr-CA")
    assert (await ask(bot, stranger, "/link")).startswith("Indiquez-moi votre adresse "
                                                          "électronique.\nForme : ")
    assert await ask(bot, stranger, "/link rahim@mofa.example.bd") == (
        "Si cette adresse appartient à un contact des Amis du Forum, un code à 6 chiffres vient "
        "d'y être envoyé. Envoyez /verify suivi du code dans les 15 minutes.")
    wrong = await ask(bot, stranger, "/verify 000000")
    assert wrong.startswith("Ce code n'est pas le bon ; il vous reste ") and "essais." in wrong
    spanish = user(7778, "Rosa", "es-CO")
    assert await ask(bot, spanish, "/verify 000000") == (
        "No tiene ningún código pendiente; envíe primero /link con su dirección de correo "
        "electrónico.")
