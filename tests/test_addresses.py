"""Email addresses valid by their syntax are accepted everywhere, reserved names included;
anything else (and any CR/LF) is refused."""

from __future__ import annotations

import pytest

from bot import parsing
from bot.config import ConfigError, load_settings
from bot.importer import parse_csv
from bot.mail.delivery import deliver_due
from bot.offline import user
from tests.fixtures_bot import (  # noqa: F401 (data_fixture provides `data`)
    ADMIN,
    ask,
    data_fixture,
)
from tests.mail_fixtures import parsed

RESERVED = ["bot@localhost", "noreply@secretariat.local", "secretariat@fof.test",
            "relay@mail.internal", "a.b+tag@host"]
INVALID = ["secretariat", "a b@example.org", "a@b\r\nBcc: victim@example.org",
           "a@example.org\n", "Name <a@example.org>", "a@@example.org", "a@-x.org", "@x.org",
           "a@x..org", "a@x.org\x00"]


@pytest.mark.parametrize("address", RESERVED)
def test_mail_from_accepts_reserved_names(monkeypatch, address):
    monkeypatch.setenv("FOF_MAIL_FROM", address)
    assert load_settings(_env_file=None).mail_from == address


@pytest.mark.parametrize("address", INVALID)
def test_mail_from_refuses_what_is_not_an_address(address):
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, mail_from=address)
    assert str(caught.value).startswith("FOF_MAIL_FROM is not an email address")
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)


@pytest.mark.parametrize("address", RESERVED)
def test_contact_addresses_accept_reserved_names(address):
    assert parsing.email(address.upper()) == address.lower()


@pytest.mark.parametrize("address", INVALID)
def test_contact_addresses_refuse_what_is_not_an_address(address):
    with pytest.raises(parsing.BadInput) as caught:
        parsing.email(address)
    assert "is not an email address" in str(caught.value)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)


def test_the_import_accepts_reserved_names():
    plan = parse_csv(b"code,name,focal_email,focal_name\n"
                     b"BE,Belgium,noreply@secretariat.local,Relay\n"
                     b"FI,Finland,bot@localhost,Bot\n"
                     b"MX,Mexico,secretariat@fof.test,Test\n"
                     b"PH,Philippines,not an address,Nobody\n")
    assert [row.focal_email for row in plan.rows] == [
        "noreply@secretariat.local", "bot@localhost", "secretariat@fof.test"]
    assert len(plan.errors) == 1


async def test_setfocal_and_link_with_a_test_address_deliver_the_code(bot, services, data,
                                                                      mail_sink, clock):
    text = await ask(bot, ADMIN, "/setfocal GH secretariat@fof.test Kofi Mensah")
    assert "Kofi Mensah (secretariat@fof.test) is now the focal point for Ghana" in text
    stranger = user(7777, "Kofi")
    assert "a 6-digit code is on its way" in await ask(bot, stranger, "/link secretariat@fof.test")
    report = await deliver_due(services, clock.now())
    assert report.sent == 1
    [(_, recipients, raw)] = mail_sink.received
    assert recipients == ["secretariat@fof.test"]
    assert parsed(raw)["To"].addresses[0].addr_spec == "secretariat@fof.test"
