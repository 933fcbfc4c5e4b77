"""Headers and transport: Content-Language and X-Auto-Response-Suppress on every message,
Message-IDs unique for ever, EHLO with FOF_SMTP_HELO or the sender's domain, a private
certificate authority (FOF_SMTP_CA_FILE), and the fast MIME writer against the `email`
package's output."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email import message_from_string, policy

import pytest
from aiosmtpd.controller import Controller

from bot.config import ConfigError, load_settings
from bot.mail import wire
from bot.mail.delivery import deliver_due
from bot.mail.digest import build_digests
from bot.mail.mime import SMTP_POLICY, Attachment, compose, to_wire
from bot.mail.reminders import sweep
from bot.mailsink import free_port
from storage import outbox
from tests.mail_fixtures import EMAILS, parsed, rows, seed

NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)


async def test_every_message_says_its_language_and_suppresses_auto_replies(services, mail_sink,
                                                                           clock):
    await seed(services)
    await sweep(services, clock.now())
    await build_digests(services, clock.now())
    await deliver_due(services, clock.now())
    messages = mail_sink.messages
    assert len(messages) >= 8
    for message in messages:
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["Content-Language"] in ("en", "fr", "es")
        assert message["Auto-Submitted"] == "auto-generated"
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == len(ids)


def test_message_ids_are_unique_even_for_the_same_key(settings):
    made = {compose(settings, key="digest:2007-07-02:1", to_address="a@example.org",
                    to_name="A", subject="S", text="T", now=NOW)["Message-ID"]
            for _ in range(50)}
    assert len(made) == 50
    assert all(m.startswith("<") and m.endswith("@gfmd.example>") for m in made)


async def test_the_message_id_is_stored_with_the_row(services, mail_sink, clock):
    await seed(services)
    await build_digests(services, clock.now())
    stored = {r.recipient: parsed(r.body.encode())["Message-ID"] for r in await rows(services)}
    await deliver_due(services, clock.now())
    for _, [rcpt], raw in mail_sink.received:
        assert parsed(raw)["Message-ID"] == stored[rcpt]


class HeloRelay:
    def __init__(self) -> None:
        self.helo: list[str] = []
        self.received = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.helo.append(hostname)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received += 1
        return "250 OK"


async def queue_one(services) -> None:
    message = compose(services.settings, key="test:one", to_address=EMAILS["anne"],
                      to_name="Anne", subject="Hello", text="Hello.", now=NOW)
    async with services.sessions.begin() as session:
        await outbox.enqueue(session, key="test:one", recipient=EMAILS["anne"], kind="test",
                             body=to_wire(message), now=services.clock.now())


@pytest.mark.parametrize("helo, said", [(None, "gfmd.example"),
                                        ("mx-out.gfmd.example", "mx-out.gfmd.example")])
async def test_ehlo_says_the_configured_name_or_the_sender_domain(services, helo, said):
    relay, port = HeloRelay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        services.settings = services.settings.model_copy(
            update={"smtp_port": port, "smtp_helo": helo})
        await queue_one(services)
        assert (await deliver_due(services, services.clock.now())).sent == 1
    finally:
        controller.stop()
    assert relay.helo == [said] and relay.received == 1


def test_helo_and_ca_file_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="^FOF_SMTP_HELO must be a host name"):
        load_settings(_env_file=None, smtp_helo="bad name\r\nMAIL FROM")
    with pytest.raises(ConfigError, match="^FOF_SMTP_CA_FILE cannot be read"):
        load_settings(_env_file=None, smtp_ca_file=str(tmp_path / "missing.pem"))


@pytest.fixture
def private_ca(tmp_path):
    """A certificate for 127.0.0.1 signed by nobody public (its own authority)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


async def test_starttls_with_a_private_certificate_authority(services, private_ca):
    cert, key = private_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    relay, port = HeloRelay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True)
    controller.start()
    try:
        base = {"smtp_port": port, "smtp_tls": "starttls"}
        await queue_one(services)
        # without the authority the certificate is refused: the breaker pauses, nothing fails
        services.settings = services.settings.model_copy(update=base)
        refused = await deliver_due(services, services.clock.now())
        assert refused.paused and refused.failed == 0 and relay.received == 0
        trusted = load_settings(_env_file=None, smtp_ca_file=str(cert))
        services.settings = services.settings.model_copy(
            update=base | {"smtp_ca_file": trusted.smtp_ca_file})
        services.clock.advance(timedelta(minutes=1))
        assert (await deliver_due(services, services.clock.now())).sent == 1
    finally:
        controller.stop()
    assert relay.received == 1


HOSTILE = [
    ("María García", "Réunion: ordre du jour", "Hé=llo \n.\nFrom here\n" + "é" * 120),
    ('Ana "the chair" O\'Neil (GFMD)', "Plain ASCII subject", "Line\r\nwith CRLF\rand CR"),
    ("Bob\r\nBcc: victim@example.org", "Subject\r\nBcc: victim@example.org", "Body."),
    ("", "=?utf-8?q?looks_encoded?=", "Text"),
]


@pytest.mark.parametrize("name, subject, text", HOSTILE)
def test_the_fast_writer_parses_like_the_email_package(settings, name, subject, text):
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n".encode()
    invite = Attachment("invite.ics", ics, "text", "calendar", {"method": "REQUEST"})
    message = compose(settings, key="k", to_address="maria@example.org", to_name=name,
                      subject=subject, text=text, html=f"<p>{text}</p>", now=NOW,
                      alternatives=[invite], attachments=[invite], language="es",
                      unsubscribe_url="https://fof.example/unsubscribe/abc.def")
    fast = to_wire(message)
    assert wire.write(message._headers, text, f"<p>{text}</p>", [invite], [invite]) is not None
    slow = message.message().as_string(policy=SMTP_POLICY)
    fast.encode("ascii")  # 7-bit
    assert all(len(line) <= 78 for line in fast.split("\r\n\r\n", 1)[1].split("\r\n"))
    assert "\nBcc:" not in fast and "\r\nBcc" not in fast.split("\r\n\r\n")[0]
    a = message_from_string(fast, policy=policy.default)
    b = message_from_string(slow, policy=policy.default)
    for header in ("From", "To", "Date", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post", "Content-Language", "X-Auto-Response-Suppress"):
        assert str(a[header]) == str(b[header]), header
    assert str(a["Subject"]) == " ".join(subject.split())  # never decoded as encoded words
    assert leaves(a) == leaves(b)
    for part in a.walk():
        if not part.is_multipart():
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64")


def leaves(message) -> list[tuple]:
    return [(p.get_content_type(), p.get_params(), p.get_filename(),
             p.get_payload(decode=True)) for p in message.walk() if not p.is_multipart()]


def test_values_the_fast_writer_cannot_prove_plain_go_through_the_email_package(settings):
    message = compose(settings, key="k", to_address='"Jose Santos"@example.org',
                      to_name="José", subject="Hi", text="Hello.", now=NOW)
    assert wire.write(message._headers, "Hello.", None, [], []) is None
    found = message_from_string(to_wire(message), policy=policy.default)
    assert found["To"].addresses[0].username == "Jose Santos"
    assert found["X-Auto-Response-Suppress"] == "All"


def test_a_composed_message_still_works_as_an_email_message(settings):
    message = compose(settings, key="k", to_address="a@example.org", to_name="A",
                      subject="S", text="Hello.", html="<p>Hello.</p>", now=NOW)
    assert message.get_body(("plain",)).get_content() == "Hello.\n"
    message["X-Extra"] = "yes"  # from here on the EmailMessage is the message
    del message["List-Id"]
    found = message_from_string(to_wire(message), policy=policy.default)
    assert found["X-Extra"] == "yes" and found["List-Id"] is None
    assert found["X-Auto-Response-Suppress"] == "All" and found["Content-Language"] == "en"
