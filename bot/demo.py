"""`fof-bot demo`: the whole product offline on sample data.

A fresh SQLite database in a folder of its own, the real Application behind an offline Bot API,
a real SMTP conversation with a mail sink on 127.0.0.1 that writes `.eml` files, and a clock set
to Monday 2 July 2007, 09:00 in Brussels: a week before the first Global Forum.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.clock import FixedClock
from bot.config import load_settings
from bot.demo_invitations import meeting_story, sample_invitations_sent
from bot.http.server import HttpFront
from bot.logging_setup import setup_logging
from bot.mail.links import rsvp_urls
from bot.mailsink import MailSink
from bot.offline import ApiCall, OfflineBot, OfflineRequest, user
from bot.services import Services, open_services
from storage import meetings, people
from storage import sample_data as demo_data

DEMO_NOW = datetime(2007, 7, 2, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
MAIL_FROM = "secretariat@gfmd.example"
MEETING_MAIL = {"Invitation": "meeting invitation", "Changed": "meeting update",
                "Cancelled": "meeting cancellation"}
DIGEST_SUBJECTS = ("Friends of the Forum digest", "Bulletin des Amis du Forum",
                   "Boletín de los Amigos del Foro")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish"}
LINK_EXAMPLE = "focal.ke@gfmd.example"  # a sample contact without a linked Telegram account

DELEGATE = user(demo_data.DELEGATE_TELEGRAM_ID, "Thomas")
FOCAL_MEXICO = user(demo_data.FOCAL_MEXICO_TELEGRAM_ID, "Ana", "es")
# A delegate whose Telegram speaks French; no contact record, so Telegram's language is used.
DELEGATE_FR = user(7005, "Amadou", "fr")
ADMIN = user(demo_data.ADMIN_TELEGRAM_ID, "Support")
PERSONAS = {
    "1": ("a delegate (not linked)", DELEGATE),
    "2": ("Ana García, focal point for Mexico (linked)", FOCAL_MEXICO),
    "3": ("the support structure (administrator)", ADMIN),
}


@dataclass(frozen=True)
class Turn:
    who: dict
    text: str
    why: str


def script(meeting_id: int) -> list[Turn]:
    return [
        Turn(DELEGATE, "/start", "A delegate opens the bot"),
        Turn(DELEGATE, "/next", "What is the next meeting?"),
        Turn(DELEGATE, f"/meeting {meeting_id}", "Details of the Global Forum, with its .ics"),
        Turn(DELEGATE, "/steering", "Who sits on the steering group?"),
        Turn(DELEGATE, "/troika", "Who is in the troika?"),
        Turn(FOCAL_MEXICO, "/whoami", "A linked focal point checks her record"),
        Turn(FOCAL_MEXICO, "¿quién es el punto focal de Finlandia?",
             "A plain question, in Spanish: she reads Spanish (her setting)"),
        Turn(FOCAL_MEXICO, "¿qué acciones están vencidas?", "Another plain question"),
        Turn(DELEGATE_FR, "quelle est la prochaine réunion du groupe de pilotage ?",
             "A French-speaking delegate asks in French (Telegram's language)"),
        Turn(DELEGATE_FR, "/help", "... and reads the help in French"),
        Turn(DELEGATE, "/help", "What may a delegate use?"),
        Turn(ADMIN, "/addmember MU Mauritius", "An administrator adds a member"),
        Turn(ADMIN, "/steering add MU", "... and puts it on the steering group"),
        Turn(DELEGATE, "/addmember XX Nowhere", "A delegate tries an admin command"),
        Turn(ADMIN, "/audit 3", "The audit entries those changes made"),
        Turn(ADMIN, "/outbox", "Mail so far: the sweep and the digest have not run yet"),
    ]


def to_terminal(text: str) -> str:
    """Telegram HTML to plain terminal text."""
    text = re.sub(r"<br\s*/?>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def show(calls: list[ApiCall], folder: Path) -> int:
    """Print what the bot sent; save documents into the demo folder. Returns replies shown."""
    shown = 0
    for call in calls:
        if call.method in ("sendMessage", "editMessageText"):
            print("  bot> " + to_terminal(call.text).replace("\n", "\n       "))
        elif call.method == "sendDocument":
            for name, content in call.files.values():
                (folder / name).write_bytes(content)
                print(f"  bot> [file {name}, {len(content)} bytes, saved to {folder / name}]")
            if call.text:
                print("       " + to_terminal(call.text))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            print(f"  bot> ({call.params['text']})")
        else:
            continue
        for number, (label, _) in enumerate(call.buttons, 1):
            print(f"       [{number}] {label}")
        shown += 1
    if not shown:
        print("  bot> (no reply)")
    return shown


async def _meeting_id(services: Services, uid: str) -> int:
    async with services.sessions() as session:
        found = await meetings.id_by_uid(session, uid)
    assert found is not None, uid
    return found


async def play_script(bot: OfflineBot, services: Services, folder: Path) -> int:
    turns = script(await _meeting_id(services, "gf-2007@gfmd.example"))
    for turn in turns:
        print(f"\n# {turn.why}\n  {turn.who['first_name']}> {turn.text}")
        show(await bot.send(turn.who, turn.text), folder)
    return len(turns)


async def deliver_now(services: Services, bot: OfflineBot, mail_folder: Path) -> list[Path]:
    """Deliver what the last turn queued (a /link code...) and say which .eml files it wrote."""
    from email import message_from_bytes, policy

    from bot.mail.delivery import deliver_due

    before = set(mail_folder.glob("*.eml"))
    await deliver_due(services, services.clock.now(), telegram_bot=bot.app.bot)
    written = sorted(set(mail_folder.glob("*.eml")) - before)
    for path in written:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"  mail> to {message['To']}: {message['Subject']}\n        saved to {path}")
    return written


async def chat(bot: OfflineBot, services: Services, folder: Path) -> None:
    """Chat in the terminal as a chosen user; `!N` presses button N of the last reply.

    Mail goes out after every turn, into the demo's mail folder, so a code sent by /link can be
    read there and typed back with /verify.
    """
    print(f"\nMail the bot sends is delivered to {folder / 'mail'} (one .eml file each).")
    print("Chat with the bot. Choose who you are:")
    for key, (label, _) in PERSONAS.items():
        print(f"  {key}) {label}")
    choice = (await asyncio.to_thread(input, "you are [1]: ")).strip() or "1"
    label, who = PERSONAS.get(choice, PERSONAS["1"])
    print(f"You are {label}. Type /help; `!2` presses button 2; `/quit` ends.")
    if who is DELEGATE:
        print(f"To link yourself to a contact: /link {LINK_EXAMPLE}, read the code in the mail "
              f"saved to {folder / 'mail'}, then /verify and the code.")
    last: list[ApiCall] = []
    while True:
        try:
            text = (await asyncio.to_thread(input, "> ")).strip()
        except EOFError:
            return
        if text in ("/quit", "/exit"):
            return
        if not text:
            continue
        if text.startswith("!") and text[1:].isdigit():
            buttons = [(b, c) for c in last for b in c.buttons]
            index = int(text[1:]) - 1
            if not 0 <= index < len(buttons):
                print("  (no such button)")
                continue
            (_, data), call = buttons[index]
            message_id = int(call.params.get("message_id") or 1)
            last = await bot.click(who, data, message_id=message_id)
        else:
            last = await bot.send(who, text)
        show(last, folder)
        await deliver_now(services, bot, folder / "mail")


async def serve_links(services: Services) -> HttpFront:
    """--interactive: the HTTP front on 127.0.0.1 (a port the OS chooses), so the answer and
    unsubscribe links in the demo's mail work while the chat runs; prints one RSVP link."""
    front = HttpFront(services, "127.0.0.1", 0)
    services.settings = services.settings.model_copy(update={"public_url": front.url})
    await front.start()
    meeting_id = await _meeting_id(services, "gf-2007@gfmd.example")
    async with services.sessions() as session:
        ana = await people.get_viewer(session, FOCAL_MEXICO["id"])
    url = rsvp_urls(services.settings, ana.person_id, meeting_id)["yes"]
    print(f"\nThe HTTP front runs on {front.url} while you chat. Ana García's answer to the "
          f"Global Forum, in one click (open it in a browser):\n  {url}")
    return front


async def send_mail(services: Services, bot: OfflineBot) -> dict[str, int]:
    """The scheduler's jobs at the demo's "now": reminder sweep, weekly digest, delivery."""
    from bot.mail.delivery import deliver_due
    from bot.mail.digest import build_digests
    from bot.mail.reminders import sweep

    now = services.clock.now()
    await sample_invitations_sent(services, now - timedelta(days=60))  # as they were, long ago
    print("\n# Monday 09:00: the reminder sweep, the weekly digest, then delivery over SMTP")
    reminders = await sweep(services, now)
    digests = await build_digests(services, now)
    delivery = await deliver_due(services, now, telegram_bot=bot.app.bot)
    print(f"  queued {reminders} reminder(s) and notice(s), {digests.queued} digest(s)")
    print(f"  delivered {delivery.sent}, to retry {delivery.retry}, failed {delivery.failed}")
    return {"reminders": reminders, "digests": digests.queued, "sent": delivery.sent,
            "failed": delivery.failed}


async def meeting_mail(bot: OfflineBot, services: Services, mail_folder: Path) -> list[Path]:
    """A meeting scheduled, moved and called off: its invitation, update and cancellation."""
    return await meeting_story(bot, services, ADMIN,
                               lambda: deliver_now(services, bot, mail_folder))


def describe_mail(mail_folder: Path) -> list[str]:
    """One line for the first message of each kind, so a person knows which file to open."""
    from email import message_from_bytes, policy

    lines, seen = [], set()
    for path in sorted(mail_folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        subject = str(message["Subject"])
        kind = MEETING_MAIL.get(subject.split(":")[0].strip(), "reminder")
        if subject.startswith(DIGEST_SUBJECTS):  # one digest per language
            kind = f"digest in {LANGUAGE_NAMES.get(str(message['Content-Language']), 'English')}"
        if message.get_content_type() != "multipart/mixed" and not kind.startswith("digest"):
            kind = "notice"
        if kind not in seen:
            seen.add(kind)
            lines.append(f"  a {kind}: {path} (to {message['To']}: {message['Subject']})")
    return lines


async def run_demo(folder: Path, *, interactive: bool = False) -> int:
    folder = folder.resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    # The console shows the conversation; the product's log lines go to a file.
    setup_logging("INFO", stream=(folder / "demo.log").open("w", encoding="utf-8"))
    mail_folder = folder / "mail"
    with MailSink(mail_folder) as sink:
        settings = load_settings(
            _env_file=None,
            database_url=f"sqlite:///{folder / 'demo.db'}",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_tls="none",
            mail_from=MAIL_FROM,
            admin_ids=[demo_data.ADMIN_TELEGRAM_ID],
            timezone="Europe/Brussels",
            secret_key=secrets.token_urlsafe(32),  # signs the links of --interactive's front
        )
        clock = FixedClock(DEMO_NOW)
        print(f"Friends of the Forum assistant: demo on {DEMO_NOW:%A %d %B %Y, %H:%M} Brussels")
        async with open_services(settings, clock) as services:
            async with services.sessions.begin() as session:
                counts = await demo_data.load_sample_data(session, clock.now())
            print("Sample data: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
            request = OfflineRequest()
            application = build_application(services, request=request, rate_limit=False)
            async with application:
                bot = OfflineBot(application, request)
                if interactive:
                    front = await serve_links(services)
                    try:
                        await chat(bot, services, folder)
                    finally:
                        await front.stop()
                    return 0
                turns = await play_script(bot, services, folder)
                mail = await send_mail(services, bot)
                await meeting_mail(bot, services, mail_folder)
        emails = sorted(mail_folder.glob("*.eml"))
    print("\nSummary")
    print(f"  conversation: {turns} messages, {len(request.calls)} Bot API calls (offline)")
    print(f"  emails: {len(emails)} written as .eml files in {mail_folder}")
    print("\n".join(describe_mail(mail_folder)))
    print(f"  mail: {mail['reminders']} reminders and notices, {mail['digests']} digests queued; "
          f"{mail['sent']} delivered (Telegram copies included), {mail['failed']} failed")
    print(f"  database: {folder / 'demo.db'}; log: {folder / 'demo.log'}")
    print("  chat yourself: .venv/bin/fof-bot demo --interactive")
    return 0
