r"""The IMAP reader: imapclient (BSD-licensed, blocking), so every call runs in a thread.

One connection per poll: `imaps://` is TLS from the start; `imap://` upgrades with STARTTLS
when the server offers it and stays plain otherwise. Messages are fetched with `BODY.PEEK[]`
(nothing is marked read for the people who also read this mailbox) and, once handled, get the
keyword HANDLED: a search for messages without it finds only new ones, after a restart too.
A server that keeps no keywords of its own (PERMANENTFLAGS without `\*`, as Exchange Online)
gets the handled messages moved to the folder HANDLED_FOLDER instead (created when missing;
IMAP MOVE, RFC 6851). Nothing is ever deleted.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from imapclient import IMAPClient

from bot.config import Mailbox

HANDLED = "$FofHandled"
HANDLED_FOLDER = "FoF handled"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


class MailboxReader:
    """Blocking calls on one IMAP connection; call each with `asyncio.to_thread`."""

    def __init__(self, mailbox: Mailbox, *, timeout: float = TIMEOUT,
                 keywords: bool | None = None) -> None:
        self.mailbox = mailbox
        self.timeout = timeout
        self.client: IMAPClient | None = None
        # mark with the keyword (True) or move to HANDLED_FOLDER (False); None: as the server
        # allows (a test forces the folder on a server that keeps keywords)
        self.keywords = keywords

    def open(self) -> None:
        box = self.mailbox
        context = ssl.create_default_context()
        client = IMAPClient(box.host, port=box.port, ssl=box.tls, ssl_context=context,
                            timeout=self.timeout)
        try:
            if not box.tls and b"STARTTLS" in client.capabilities():
                client.starttls(context)
            client.login(box.user, box.password)
            selected = client.select_folder(box.folder)
            if self.keywords is None:
                self.keywords = b"\\*" in selected.get(b"PERMANENTFLAGS", ())
            if not self.keywords and not client.folder_exists(HANDLED_FOLDER):
                client.create_folder(HANDLED_FOLDER)
        except BaseException:
            client.shutdown()
            raise
        self.client = client

    def unhandled(self, limit: int) -> list[Fetched]:
        """Up to `limit` messages not yet marked HANDLED, oldest first."""
        assert self.client is not None
        query = ["NOT", "KEYWORD", HANDLED] if self.keywords else ["ALL"]
        uids = sorted(self.client.search(query))[:limit]
        if not uids:
            return []
        found = self.client.fetch(uids, ["BODY.PEEK[]"])
        return [Fetched(uid, found[uid][b"BODY[]"]) for uid in uids
                if uid in found and b"BODY[]" in found[uid]]

    def mark_handled(self, uids: list[int]) -> None:
        assert self.client is not None
        if uids and self.keywords:
            self.client.add_flags(uids, [HANDLED])
        elif uids:
            self.client.move(uids, HANDLED_FOLDER)

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # a connection already gone: nothing to say goodbye to
            client.shutdown()
