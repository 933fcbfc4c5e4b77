"""The digest, the action notice and the link code in the recipient's language, with the links a
reader acts on: answers in one click, links into the bot, the visible unsubscribe link and the
one-click List-Unsubscribe headers (RFC 8058); a preview carries the same links.

Rahim Uddin (Bangladesh, Asia/Dhaka) is invited to the Global Forum (9 July, not answered) and his
member's feasibility study was due on Saturday 30 June; the clock stands at Monday 2 July 2007.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from email.message import EmailMessage

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.config import ConfigError, load_settings
from bot.mail import links
from bot.mail.delivery import deliver_due
from bot.mail.digest import build_digests, preview_digest
from bot.mail.keys import LinkKey
from bot.mail.messages import link_code_message
from bot.mail.operator import digest_cli
from bot.mail.reminders import sweep
from bot.services import Services
from storage.models import OutboxMessage, Person
from tests.fixtures_bot import DELEGATE, ask
from tests.mail_fixtures import EMAILS, NOW, Sample, parsed, seed

PUBLIC_URL = "https://fof.example.org"
SECRET_KEY = "a-test-secret-key-of-some-length-0123456789"
BOT = "fof_test_bot"
MAILTO = "<mailto:secretariat@gfmd.example?subject=unsubscribe>"
MAILTO_REMINDERS = "<mailto:secretariat@gfmd.example?subject=unsubscribe%20reminders>"

EXPECTED = {
    "en": dict(
        digest_subject="Friends of the Forum digest, Monday, 2 July 2007: ",
        summary="1 action overdue; 1 meeting to answer",
        when="Monday, 9 July 2007, 13:00 (Dhaka time); Monday, 9 July 2007, 09:00 local time "
             "in Brussels",
        question="Will you attend?",
        footer="Stop receiving this digest",
        notice_subject="Overdue, was due Saturday, 30 June 2007: Feasibility study",
        was_due="It was due on Saturday 30 June (2 days ago).",
        notice_footer="Stop receiving reminders by email",
    ),
    "fr": dict(
        digest_subject="Bulletin des Amis du Forum, lundi 2 juillet 2007 : ",
        summary="1 action de suivi en retard ; 1 réunion attend votre réponse",
        when="lundi 9 juillet 2007, 13:00 (heure : Dhaka) ; lundi 9 juillet 2007, 09:00, heure "
             "locale à Bruxelles",
        question="Participerez-vous ?",
        footer="Ne plus recevoir ce bulletin",
        notice_subject="En retard, échéance le samedi 30 juin 2007 : Feasibility study",
        was_due="L'échéance était le samedi 30 juin (il y a 2 jours).",
        notice_footer="Ne plus recevoir de rappels par courriel",
    ),
    "es": dict(
        digest_subject="Boletín de los Amigos del Foro, lunes, 2 de julio de 2007: ",
        summary="1 acción de seguimiento vencida; 1 reunión espera su respuesta",
        when="lunes, 9 de julio de 2007, 13:00 (hora de Daca); lunes, 9 de julio de 2007, "
             "09:00, hora local en Bruselas",
        question="¿Asistirá?",
        footer="Dejar de recibir este boletín",
        notice_subject="Vencida el sábado, 30 de junio de 2007: Feasibility study",
        was_due="Vencía el sábado 30 junio (hace 2 días).",
        notice_footer="Dejar de recibir recordatorios por correo electrónico",
    ),
}

# Words of our English texts that are no French or Spanish word: one left in a French or
# Spanish message is an untranslated sentence (names, titles and links are taken out first).
ENGLISH = {"the", "you", "your", "of", "and", "will", "to", "is", "for", "with", "due", "was",
           "this", "what", "receive", "receiving", "meeting", "meetings", "items", "overdue",
           "dear", "stop", "answer", "july", "june", "monday", "saturday", "when",
           "where", "member", "open", "digest", "reminders", "email", "reply",
           "time", "ago", "days", "still", "done", "mark", "it", "tell", "support"}
DATA = ("Global Forum", "Brussels, Egmont Palace", "Feasibility study on a migrant resource "
        "centre", "Rahim Uddin", "Bangladesh", "Telegram", "BD")


def english_words(text: str) -> set[str]:
    """The English words left in `text` once markup, links, addresses, commands, time zones
    and the sample's names and titles are taken out."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"https?://\S+|\S+@\S+|/\w+|\w+/\w+", " ", text)
    for value in DATA:
        text = text.replace(value, " ")
    return {word for word in re.findall(r"[a-z]+", text.lower())} & ENGLISH


@pytest.fixture(name="linked")
def linked_fixture(services: Services) -> Services:
    """The same database and clock, with FOF_PUBLIC_URL, FOF_SECRET_KEY and FOF_BOT_USERNAME."""
    settings = services.settings.model_copy(update={
        "public_url": PUBLIC_URL, "secret_key": SecretStr(SECRET_KEY), "bot_username": BOT})
    return replace(services, settings=settings)


async def speaks(services: Services, person_id: int, language: str) -> None:
    async with services.sessions.begin() as session:
        (await session.get(Person, person_id)).language = language


def bodies(message: EmailMessage) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


async def delivered(services: Services, mail_sink, to: str) -> list[EmailMessage]:
    await deliver_due(services, NOW)
    return [parsed(raw) for _, rcpt, raw in mail_sink.received if rcpt == [to]]


async def rahim_digest(services: Services, mail_sink) -> EmailMessage:
    await build_digests(services, NOW, only_email=EMAILS["rahim"])
    [message] = await delivered(services, mail_sink, EMAILS["rahim"])
    return message


def style_problems(markup: str) -> list[str]:
    """Styles that set a text colour without a background colour, or the other way round."""
    found = []
    for style in re.findall(r'style="([^"]*)"', markup):
        names = {part.split(":", 1)[0].strip() for part in style.split(";") if ":" in part}
        if ("color" in names) != bool(names & {"background-color", "background"}):
            found.append(style)
    return found


@pytest.mark.parametrize("language", ["en", "fr", "es"])
async def test_the_digest_in_the_readers_language(services, linked, mail_sink, language):
    sample = await seed(services)
    await speaks(services, sample.people["rahim"], language)
    message = await rahim_digest(linked, mail_sink)
    expected = EXPECTED[language]
    text, markup = bodies(message)
    assert message["Subject"].startswith(expected["digest_subject"])
    assert message["Content-Language"] == language and f'<html lang="{language}">' in markup
    for body in (text, markup):
        assert expected["summary"] in body and expected["when"] in html.unescape(body)
        assert expected["question"] in body and expected["footer"] in body
        assert body.count(expected["question"]) == 1  # once for the one meeting to answer
    # the summary line comes first, before the greeting
    assert text.index(expected["summary"]) < text.index("Rahim Uddin")
    if language != "en":
        assert english_words(message["Subject"]) == set()
        assert english_words(text) == set(), text
        assert english_words(markup) == set(), markup


@pytest.mark.parametrize("language", ["en", "fr", "es"])
async def test_the_action_notice_in_the_readers_language(services, linked, mail_sink, language):
    sample = await seed(services)
    await speaks(services, sample.people["rahim"], language)
    await sweep(linked, NOW)
    [notice] = [m for m in await delivered(linked, mail_sink, EMAILS["rahim"])
                if "Feasibility study" in m["Subject"]]
    expected = EXPECTED[language]
    text, markup = bodies(notice)
    assert notice["Subject"].startswith(expected["notice_subject"])
    assert notice["Content-Language"] == language
    unsubscribe = links.unsubscribe_url(linked.settings, sample.people["rahim"], "reminders")
    deep_link = f"https://t.me/{BOT}?start=action_{sample.study}"
    for body in (text, markup):
        assert expected["was_due"] in html.unescape(body)
        assert expected["notice_footer"] in body
        assert unsubscribe in body and deep_link in body
    assert notice["List-Unsubscribe"] == f"<{unsubscribe}>, {MAILTO_REMINDERS}"
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert style_problems(markup) == []
    if language != "en":
        assert english_words(notice["Subject"]) == set()
        assert english_words(text) == set(), text
        assert english_words(markup) == set(), markup


async def test_the_summary_line_names_the_day_and_the_meetings_to_answer(services):
    # Mikko: Finland's pilot is due on Thursday; the Forum and the steering group await him
    await seed(services)
    report = await build_digests(services, NOW, only_email=EMAILS["mikko"], dry_run=True)
    [entry] = report.entries
    assert entry.text.split("\n")[2] == "1 action due Thursday; 2 meetings to answer"


async def test_links_and_one_click_headers_with_a_public_url(services, linked, mail_sink):
    sample = await seed(services)
    message = await rahim_digest(linked, mail_sink)
    text, markup = bodies(message)
    rsvp = links.rsvp_urls(linked.settings, sample.people["rahim"], sample.forum)
    unsubscribe = links.unsubscribe_url(linked.settings, sample.people["rahim"], "digest")
    assert unsubscribe is not None and set(rsvp) == {"yes", "no", "maybe"}
    for body in (text, markup):
        assert all(url in body for url in rsvp.values())
        assert unsubscribe in body
        assert f"https://t.me/{BOT}?start=action_{sample.study}" in body
        assert f"https://t.me/{BOT}?start=settings" in body
    assert f'<a href="{rsvp["yes"]}">Yes</a>' in markup
    assert f'<a href="{unsubscribe}">Stop receiving this digest</a>' in markup
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>, {MAILTO}"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert style_problems(markup) == []
    assert "color:" in markup  # the check above looked at styles that are there


async def test_no_links_without_a_public_url(services, mail_sink):
    sample = await seed(services)
    message = await rahim_digest(services, mail_sink)
    text, markup = bodies(message)
    for body in (text, markup):
        assert "/rsvp/" not in body and "/unsubscribe/" not in body and "t.me/" not in body
        assert f"Answer with /meeting {sample.forum} in the Telegram assistant." in body
        assert f"/action {sample.study}" in body
        assert "Change what else you receive with" in body
    assert message["List-Unsubscribe"] == MAILTO
    assert message["List-Unsubscribe-Post"] is None
    assert style_problems(markup) == []


def link_set(body: str) -> set[str]:
    return set(re.findall(r"https://[^\s\"<>]+", body))


async def test_a_preview_carries_the_same_links(services, linked, mail_sink, capsys):
    sample = await seed(services)
    real = await rahim_digest(linked, mail_sink)
    real_text, real_html = bodies(real)
    wanted = link_set(real_text)
    assert len(wanted) >= 5  # three answers, the action, the unsubscribe link, /settings
    # /digest preview mails the admin the person's digest
    await preview_digest(linked, NOW, person_email=EMAILS["rahim"],
                         to_address="admin@gfmd.example")
    [preview] = await delivered(linked, mail_sink, "admin@gfmd.example")
    text, markup = bodies(preview)
    assert preview["Subject"].startswith("[Preview for Rahim Uddin] ")
    assert link_set(text) == wanted and link_set(markup) == link_set(real_html)
    # the admin's mail program cannot unsubscribe Rahim in one click from the preview
    assert preview["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in preview["List-Unsubscribe"]
    # `fof-bot digest --dry-run --to` prints the text from the same builder (on the wall
    # clock, when the 2007 Forum is long past: the links that do not depend on the day)
    capsys.readouterr()
    assert await digest_cli(linked.settings, dry_run=True, to=EMAILS["rahim"]) == 0
    printed = capsys.readouterr().out
    unsubscribe = links.unsubscribe_url(linked.settings, sample.people["rahim"], "digest")
    assert unsubscribe in wanted and unsubscribe in printed
    assert f"https://t.me/{BOT}?start=action_{sample.study}" in printed


@pytest.mark.parametrize(("language", "subject", "line"), [
    ("en", "Your code for the Friends of the Forum assistant", "Your code: 123456"),
    ("fr", "Votre code pour l'assistant des Amis du Forum", "Votre code : 123456"),
    ("es", "Su código para el asistente de los Amigos del Foro", "Su código: 123456"),
])
async def test_the_link_code_in_the_contacts_language(services, language, subject, line):
    _subject, wire = link_code_message(
        services.settings, key=LinkKey(1, NOW), name="Rahim Uddin", email=EMAILS["rahim"],
        telegram_id=42, code="123456", now=NOW, language=language)
    message = parsed(wire.encode())
    assert message["Subject"] == subject and message["Content-Language"] == language
    body = message.get_content()
    assert line in body and "/verify 123456" in body
    if language != "en":
        assert english_words(body) == set(), body
    # asked for, not list mail: nothing to unsubscribe from (a mailed "unsubscribe" would
    # have turned off the digest), still marked automatic
    assert message["List-Unsubscribe"] is None and message["List-Id"] is None
    assert message["Auto-Submitted"] == "auto-generated"


async def test_a_french_reader_gets_the_code_in_french(bot, services):
    """Through /link: the code goes out in the contact's own language, not the asker's."""
    sample: Sample = await seed(services)
    await speaks(services, sample.people["rahim"], "fr")
    await ask(bot, DELEGATE, f"/link {EMAILS['rahim']}")
    async with services.sessions() as session:
        [row] = (await session.exec(select(OutboxMessage))).all()
    message = parsed(row.body.encode())
    assert "Votre code : " in message.get_content()
    assert message["Content-Language"] == "fr"


def test_the_bot_username_setting():
    assert load_settings(_env_file=None, bot_username="@fof_test_bot").bot_username == BOT
    assert load_settings(_env_file=None, bot_username=" ").bot_username is None
    with pytest.raises(ConfigError, match="FOF_BOT_USERNAME must be the bot's username"):
        load_settings(_env_file=None, bot_username="https://t.me/fof_test_bot")
