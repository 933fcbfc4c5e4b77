"""DKIM: with FOF_DKIM_KEY_FILE and FOF_DKIM_SELECTOR every message leaves signed, and verifies
with dkimpy against the public key (a key made for the test, published by a fake DNS)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from datetime import timedelta

import dkim
import pytest

from bot.config import ConfigError, load_settings
from bot.mail.delivery import deliver_due
from bot.mail.digest import build_digests
from bot.mail.mime import compose, to_wire
from bot.mail.reminders import sweep
from bot.services import open_services
from storage import outbox
from tests.mail_fixtures import seed

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
SELECTOR = "fof2026"
DOMAIN = "gfmd.example"


@pytest.fixture
def key_pair(tmp_path):
    """(private key file, the TXT record to publish) made with openssl for this test."""
    private = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns_for(record: bytes):
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None
    return lookup


@pytest.fixture
async def signing(settings, clock, key_pair):
    signed = settings.model_copy(update={"dkim_key_file": key_pair[0],
                                         "dkim_selector": SELECTOR})
    async with open_services(signed, clock, migrate=False) as opened:
        yield opened


def tags(raw: bytes) -> dict[str, str]:
    header = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert header.startswith("DKIM-Signature:")
    value = header.split("DKIM-Signature:", 1)[1].split("\r\n", 1)[0]
    value += "".join(line for line in header.split("\r\n")[1:] if line[:1] in " \t")
    return {k.strip(): "".join(v.split()) for k, _, v in
            (t.partition("=") for t in value.split(";"))}


async def test_every_message_verifies_against_the_public_key(signing, mail_sink, clock,
                                                             key_pair, tmp_path):
    await seed(signing)
    await sweep(signing, clock.now())  # meeting and action reminders, with invitations
    await build_digests(signing, clock.now())
    async with signing.sessions.begin() as session:  # one with the RFC 8058 headers
        message = compose(signing.settings, key="test:one-click", to_address="a@example.org",
                          to_name="Ana", subject="Unsubscribe test", text="Hello.",
                          now=clock.now(), unsubscribe_url="https://fof.example/unsubscribe/t")
        await outbox.enqueue(session, key="test:one-click", recipient="a@example.org",
                             kind="test", body=to_wire(message), now=clock.now())
    report = await deliver_due(signing, clock.now())
    assert report.sent >= 8 and report.sent == len(mail_sink.received)
    for _, _, raw in mail_sink.received:
        assert dkim.verify(raw, dnsfunc=dns_for(key_pair[1])), raw[:300]
        found = tags(raw)
        assert (found["d"], found["s"], found["c"]) == (DOMAIN, SELECTOR, "relaxed/relaxed")
        signed = set(found["h"].lower().split(":"))
        assert {"from", "to", "subject", "date", "message-id", "list-unsubscribe"} <= signed
    one_click = next(raw for _, r, raw in mail_sink.received if r == ["a@example.org"])
    assert "list-unsubscribe-post" in tags(one_click)["h"].lower()
    # a message altered on the way no longer verifies
    altered = one_click.replace(b"Subject: Unsubscribe test", b"Subject: Unsubscribe tests")
    assert not dkim.verify(altered, dnsfunc=dns_for(key_pair[1]))
    # nor against another key published under the same name
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True,
                   capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(other), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    assert not dkim.verify(one_click, dnsfunc=dns_for(b"v=DKIM1; k=rsa; p="
                                                       + base64.b64encode(der)))

async def test_stored_rows_are_unsigned(signing, mail_sink, clock):
    await seed(signing)
    await build_digests(signing, clock.now())
    async with signing.sessions() as session:
        claimed = await outbox.claim_due(session, now=clock.now(), lease=timedelta(seconds=1),
                                         limit=50)
    assert claimed and all(not row.body.startswith("DKIM-Signature") for row in claimed)


def test_both_or_neither_and_a_usable_key(tmp_path, key_pair):
    private, _ = key_pair
    with pytest.raises(ConfigError, match="^FOF_DKIM_SELECTOR is required when "
                                          "FOF_DKIM_KEY_FILE is set"):
        load_settings(_env_file=None, dkim_key_file=str(private))
    with pytest.raises(ConfigError, match="^FOF_DKIM_SELECTOR is set but FOF_DKIM_KEY_FILE"):
        load_settings(_env_file=None, dkim_selector=SELECTOR)
    with pytest.raises(ConfigError, match="^FOF_DKIM_KEY_FILE cannot be read"):
        load_settings(_env_file=None, dkim_key_file=str(tmp_path / "missing.pem"),
                      dkim_selector=SELECTOR)
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n")
    with pytest.raises(ConfigError, match="^FOF_DKIM_KEY_FILE is not an RSA private key"):
        load_settings(_env_file=None, dkim_key_file=str(tmp_path / "cert.pem"),
                      dkim_selector=SELECTOR)
    with pytest.raises(ConfigError, match="^FOF_DKIM_SELECTOR must be"):
        load_settings(_env_file=None, dkim_key_file=str(private), dkim_selector="a b")
    good = load_settings(_env_file=None, dkim_key_file=str(private), dkim_selector=SELECTOR)
    assert good.dkim_selector == SELECTOR
    assert load_settings(_env_file=None).dkim_key_file is None


def test_a_half_configuration_stops_the_command_with_one_line(tmp_path, key_pair):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOF_")}
    env |= {"FOF_DKIM_KEY_FILE": str(key_pair[0]), "FOF_DATABASE_URL":
            f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run([sys.executable, "-m", "bot", "outbox"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "FOF_DKIM_SELECTOR" in lines[0], done.stderr
