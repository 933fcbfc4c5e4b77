"""The SMTP sender: send email rows over a few reused connections and report each result.

It only sends and reports (`bot.mail.outcomes.Result`); what to do with a failure is the
delivery worker's business (`bot.mail.delivery`, `bot.mail.breaker`). A result says when the
relay refused the sender itself (MAIL FROM refused, login or TLS failed, a 5xx greeting):
that is the relay's verdict on us, not on the message.

The envelope sender of a row is chosen in one place, `envelope_sender`. Each message is
DKIM-signed here, at send time, when FOF_DKIM_KEY_FILE is set (`bot.mail.dkim`). EHLO says
FOF_SMTP_HELO or the sender's domain; FOF_SMTP_CA_FILE is a private certificate authority.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiosmtplib

from bot.config import Settings
from bot.mail.dkim import Signer, signer_for
from bot.mail.inbound import verp
from bot.mail.outcomes import Outcome, Result, classify_code
from storage.outbox import OutboxRow

CONCURRENCY = 3  # SMTP connections per run, each reused for its share of the batch
SMTP_TIMEOUT = 30.0
PROBE_TIMEOUT = 10.0  # the start-up check: long enough for a slow relay, short for a start


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def envelope_sender(settings: Settings, row: OutboxRow | None = None) -> str:
    """The MAIL FROM of a row: its VERP address, so a bounce names it (`bot.mail.inbound`);
    the bounce address itself for the breaker's probe, which has no row."""
    return verp.bounce_sender(settings, row) if row is not None else verp.bounce_base(settings)


def _tls_failure(exc: BaseException) -> bool:
    """A certificate or handshake failure somewhere in the chain of causes."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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

    def __init__(self, settings: Settings, *, timeout: float = SMTP_TIMEOUT,
                 signer: Signer | None = None) -> None:
        self.settings = settings
        self.signer = signer
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        self.client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            timeout=timeout,
            local_hostname=settings.helo_name,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )
        self.connection_error: Result | None = None  # set when connecting failed in this run
        self.reached = False  # connected (and logged in) at least once

    @property
    def server(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    async def _connect(self) -> Result | None:
        """None once connected; else a temporary result saying why (refuses_sender when the
        relay answered 5xx - greeting, login - or TLS failed: it turns us away)."""
        try:
            await self.client.connect()
        except aiosmtplib.SMTPResponseException as exc:
            # a 554 greeting or a 535 login failure is the server's state, not the message's
            self.client.close()
            return Result(Outcome.TEMPORARY, f"cannot use mail server {self.server}: "
                          f"{exc.code} {_one_line(exc.message)}", refuses_sender=exc.code >= 500)
        except OSError as exc:  # aiosmtplib's connection errors and timeouts are OSErrors
            self.client.close()
            tls = _tls_failure(exc)
            verb = "cannot use" if tls else "cannot reach"
            return Result(Outcome.TEMPORARY, f"{verb} mail server {self.server}: {_why(exc)}",
                          refuses_sender=tls)
        except aiosmtplib.SMTPException as exc:  # no STARTTLS, no AUTH, ...
            self.client.close()
            return Result(Outcome.TEMPORARY, f"cannot use mail server {self.server}: "
                          f"{_one_line(exc)}", refuses_sender=True)
        self.reached = True
        return None

    async def send(self, sender: str, recipient: str, body: str) -> Result:
        if self.connection_error is not None:
            return self.connection_error
        if self.signer is not None:
            body = self.signer.sign(body)
        reused = self.client.is_connected
        if not reused:
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return error
        result = await self._send_once(sender, recipient, body)
        if result is None and reused:
            # the server closed an idle connection: one fresh try before calling it temporary
            error = await self._connect()
            if error is not None:
                self.connection_error = error
                return error
            result = await self._send_once(sender, recipient, body)
        return result or Result(Outcome.TEMPORARY, "mail server closed the connection")

    async def _send_once(self, sender: str, recipient: str, body: str) -> Result | None:
        """The result, or None when the connection was found closed before anything was said."""
        try:
            refused, response = await self.client.sendmail(sender, [recipient], body)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            found = classify_code(first.code, first.message)
            return Result(found.outcome, found.detail, at_envelope=True)
        except aiosmtplib.SMTPServerDisconnected:
            self.client.close()
            return None
        except aiosmtplib.SMTPSenderRefused as exc:  # MAIL FROM refused: the relay refuses us
            found = classify_code(exc.code, exc.message)
            return Result(found.outcome, found.detail,
                          refuses_sender=found.outcome == Outcome.PERMANENT)
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
            found = classify_code(code, message)
            return Result(found.outcome, found.detail, at_envelope=True)
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
    unsent: tuple[OutboxRow, ...] = ()  # rows left untried because the batch was stopped


async def probe(settings: Settings, *, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Connect (TLS and login as configured) and leave: None when that worked, else one line
    naming the server and what failed. Sends nothing."""
    connection = SmtpConnection(settings, timeout=timeout)
    try:
        error = await connection._connect()
        return error.detail if error is not None else None
    finally:
        await connection.close()


async def probe_sender(settings: Settings, recipient: str, *,
                       timeout: float = PROBE_TIMEOUT) -> str | None:
    """Would the relay take mail from us to `recipient` now? Connect, MAIL FROM, RCPT TO,
    then RSET: nothing is sent. None when every step was accepted, else the answer."""
    connection = SmtpConnection(settings, timeout=timeout)
    client = connection.client
    try:
        error = await connection._connect()
        if error is not None:
            return error.detail
        for step in (lambda: client.mail(envelope_sender(settings)),
                     lambda: client.rcpt(recipient)):
            try:
                await step()
            except aiosmtplib.SMTPResponseException as exc:
                return f"{exc.code} {_one_line(exc.message)}"
        await client.rset()
        return None
    except (OSError, aiosmtplib.SMTPException) as exc:
        return f"cannot use mail server {connection.server}: {_why(exc)}"
    finally:
        await connection.close()


class Connections:
    """The SMTP connections of one delivery run, reused from batch to batch and closed at its
    end (a new connection per batch would pay the greeting, EHLO and login every time).
    A connection that failed to connect keeps its error for the rest of the run."""

    def __init__(self, settings: Settings, concurrency: int = CONCURRENCY) -> None:
        signer = signer_for(settings)
        self.all = [SmtpConnection(settings, signer=signer) for _ in range(max(1, concurrency))]

    async def close(self) -> None:
        """QUIT on every connection at once (each waits for the server's goodbye)."""
        await asyncio.gather(*(connection.close() for connection in self.all))

    async def __aenter__(self) -> Connections:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


async def send_batch(
    settings: Settings,
    rows: Sequence[OutboxRow],
    *,
    on_result: ResultCallback,
    concurrency: int = CONCURRENCY,
    stop: asyncio.Event | None = None,
    connections: Connections | None = None,
) -> ServerSeen:
    """Send email rows over at most `concurrency` reused connections (those of `connections`
    when given, left open; else new ones, closed at the end); report each row's result, and
    return what the connections found of the server. Once `stop` is set no further row is
    started; the rows left are returned untried (`ServerSeen.unsent`).

    Calls on one aiosmtplib client are serialised, so parallel delivery needs one client per
    worker; every worker takes the next row from one shared queue.
    """
    settings.require_mail_from()  # no sender: a configuration error before anything is tried
    if connections is None:
        async with Connections(settings, concurrency) as own:
            return await send_batch(settings, rows, on_result=on_result, stop=stop,
                                    connections=own)
    stop = stop or asyncio.Event()
    queue: asyncio.Queue[OutboxRow] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker(connection: SmtpConnection) -> None:
        while not queue.empty() and not stop.is_set():
            row = queue.get_nowait()
            sender = envelope_sender(settings, row)
            await on_result(row, await connection.send(sender, row.recipient, row.body))

    used = connections.all[:max(1, len(rows))]
    await asyncio.gather(*(worker(connection) for connection in used))
    errors = [c.connection_error.detail for c in used if c.connection_error is not None]
    unsent = []
    while not queue.empty():
        unsent.append(queue.get_nowait())
    return ServerSeen(any(c.reached for c in used), errors[-1] if errors else None,
                      tuple(unsent))
