"""The SMTP sender: send email rows over a few reused connections and report each result.

It only sends and reports (`bot.mail.outcomes.Result`); what to do with a failure is the
delivery worker's business (`bot.mail.delivery`).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiosmtplib

from bot.config import Settings
from bot.mail.inbound import verp
from bot.mail.outcomes import Outcome, Result, classify_code
from storage.outbox import OutboxRow

CONCURRENCY = 3  # SMTP connections per run, each reused for its share of the batch
SMTP_TIMEOUT = 30.0
PROBE_TIMEOUT = 10.0  # the start-up check: long enough for a slow relay, short for a start


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def envelope_sender(settings: Settings, row: OutboxRow | None = None) -> str:
    """The MAIL FROM of a row: its VERP address, so a bounce names it (`bot.mail.inbound`)."""
    return verp.bounce_sender(settings, row) if row is not None else verp.bounce_base(settings)


def _why(exc: BaseException) -> str:
    """What failed, in a few words: aiosmtplib's own text repeats the host and the port."""
    cause = exc.__cause__ if isinstance(exc, aiosmtplib.SMTPConnectError) else exc
    if isinstance(exc, TimeoutError) or isinstance(cause, TimeoutError):
        return "no answer (timed out)"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return f"unknown host ({cause.strerror})"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return _one_line(exc)


class SmtpConnection:
    """One aiosmtplib client, connected on first use and reused for every following message.

    A 421 makes aiosmtplib drop the connection: the next message reconnects. Errors of the
    connection itself (refused, timeout, login) are temporary for every row, never permanent:
    a wrong password must not fail the whole queue.
    """

    def __init__(self, settings: Settings, *, timeout: float = SMTP_TIMEOUT) -> None:
        self.settings = settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            timeout=timeout,
        )
        self.connection_error: str | None = None  # set when connecting failed in this run
        self.reached = False  # connected (and logged in) at least once

    @property
    def server(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    async def _connect(self) -> str | None:
        try:
            await self.client.connect()
        except aiosmtplib.SMTPResponseException as exc:
            # a 554 greeting or a 535 login failure is the server's state, not the message's
            self.client.close()
            return f"cannot use mail server {self.server}: {exc.code} {_one_line(exc.message)}"
        except OSError as exc:  # aiosmtplib's connection errors and timeouts are OSErrors
            self.client.close()
            return f"cannot reach mail server {self.server}: {_why(exc)}"
        except aiosmtplib.SMTPException as exc:  # no STARTTLS, no AUTH, ...
            self.client.close()
            return f"cannot use mail server {self.server}: {_one_line(exc)}"
        self.reached = True
        return None

    async def send(self, sender: str, recipient: str, body: str) -> Result:
        if self.connection_error is not None:
            return Result(Outcome.TEMPORARY, self.connection_error)
        reused = self.client.is_connected
        if not reused:
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return Result(Outcome.TEMPORARY, error)
        result = await self._send_once(sender, recipient, body)
        if result is None and reused:
            # the server closed an idle connection: one fresh try before calling it temporary
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return Result(Outcome.TEMPORARY, error)
            result = await self._send_once(sender, recipient, body)
        return result or Result(Outcome.TEMPORARY, "mail server closed the connection")

    async def _send_once(self, sender: str, recipient: str, body: str) -> Result | None:
        """The result, or None when the connection was found closed before anything was said."""
        try:
            refused, response = await self.client.sendmail(sender, [recipient], body)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            return classify_code(first.code, first.message)
        except aiosmtplib.SMTPServerDisconnected:
            self.client.close()
            return None
        except aiosmtplib.SMTPResponseException as exc:
            # 421 closes the connection inside aiosmtplib; the next send reconnects
            return classify_code(exc.code, exc.message)
        except (OSError, aiosmtplib.SMTPException) as exc:
            self.client.close()
            return Result(Outcome.TEMPORARY, f"connection lost: {exc}")
        except ValueError as exc:  # an address aiosmtplib refuses to put on the wire
            return Result(Outcome.PERMANENT, f"invalid address: {exc}")
        if refused:
            code, message = refused[recipient] if recipient in refused else (450, str(refused))
            return classify_code(code, message)
        return Result(Outcome.SENT, response)

    async def close(self) -> None:
        if self.client.is_connected:
            try:
                await self.client.quit()
            except (OSError, aiosmtplib.SMTPException):
                self.client.close()


ResultCallback = Callable[[OutboxRow, Result], Awaitable[None]]


@dataclass(frozen=True)
class ServerSeen:
    """What the connections of one batch found of the mail server."""

    reached: bool  # at least one connection was made (and logged in)
    error: str | None  # the last failure to connect or log in, if any


async def probe(settings: Settings, *, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Connect (TLS and login as configured) and leave: None when that worked, else one line
    naming the server and what failed. Sends nothing."""
    connection = SmtpConnection(settings, timeout=timeout)
    try:
        return await connection._connect()
    finally:
        await connection.close()


async def send_batch(
    settings: Settings,
    rows: Sequence[OutboxRow],
    *,
    on_result: ResultCallback,
    concurrency: int = CONCURRENCY,
) -> ServerSeen:
    """Send email rows over at most `concurrency` reused connections; report each row's result,
    and return what the connections found of the server.

    Calls on one aiosmtplib client are serialised, so parallel delivery needs one client per
    worker; every worker takes the next row from one shared queue.
    """
    settings.require_mail_from()  # no sender, no mail (ConfigError)
    queue: asyncio.Queue[OutboxRow] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    connections: list[SmtpConnection] = []

    async def worker() -> None:
        connection = SmtpConnection(settings)
        connections.append(connection)
        try:
            while not queue.empty():
                row = queue.get_nowait()
                await on_result(row, await connection.send(envelope_sender(settings, row),
                                                            row.recipient, row.body))
        finally:
            await connection.close()

    workers = max(1, min(concurrency, len(rows)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    errors = [c.connection_error for c in connections if c.connection_error is not None]
    return ServerSeen(any(c.reached for c in connections), errors[-1] if errors else None)
