"""Linking a Telegram account to a contact: request a code by email, then verify it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import ConfigError
from bot.mail.keys import LinkKey
from bot.mail.messages import link_code_message
from bot.services import Services
from storage import linking, outbox
from storage.linking import Verification
from storage.people import Viewer

log = logging.getLogger(__name__)


async def request_link(services: Services, viewer: Viewer, email: str) -> None:
    """Issue a one-time code for the contact with this address and queue it to them by mail.

    Returns nothing on purpose: the caller answers the same whether or not the address is
    known (or asked too often), so addresses cannot be probed.
    """
    async with services.sessions.begin() as session:
        issued = await linking.issue_code(session, email=email, telegram_id=viewer.telegram_id,
                                          now=services.now())
        if issued is None:
            return
        person = issued.person
        assert person.id is not None
        key = LinkKey(person.id, issued.created_at)
        try:
            subject, body = link_code_message(
                services.settings, key=key, name=person.name, email=person.email,
                telegram_id=viewer.telegram_id, code=issued.code, now=issued.created_at,
                language=person.language)
        except ConfigError:
            # The code stays issued (as before): the contact can ask again once mail works.
            log.error("cannot send a link code: FOF_MAIL_FROM is not set")
            return
        await outbox.enqueue(session, key=str(key), recipient=person.email, kind="link_code",
                             body=body, subject=subject, now=issued.created_at,
                             person_id=person.id)


@dataclass(frozen=True)
class Verified:
    outcome: Verification
    name: str | None = None  # the contact now linked
    tries_left: int = 0


async def verify(services: Services, viewer: Viewer, code: str) -> Verified:
    """Link the viewer's account when `code` is the one mailed to them."""
    async with services.sessions.begin() as session:
        result = await linking.verify_code(session, telegram_id=viewer.telegram_id, code=code,
                                           now=services.now())
        name = result.person.name if result.person is not None else None
    return Verified(result.outcome, name, result.tries_left)
