"""A real SMTP server on 127.0.0.1 that keeps what it receives (demo, tests).

Each message is written as an `.eml` file when a folder is given. Faults can be injected per
recipient (`fail_rcpt`) or for the next DATA commands (`fail_data`), as a real server answers.
"""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    # aiosmtpd's Controller cannot bind port 0 itself: find a free port first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        # one EHLO per client connection: lets tests see that a connection is reused
        self.sink.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        answer = self.sink.fail_rcpt.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.fail_data:
            return self.sink.fail_data.pop(0)
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.sink.received.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        if self.sink.folder is not None:
            number = len(self.sink.received)
            (self.sink.folder / f"{number:03d}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.received: list[tuple[str, list[str], bytes]] = []
        self.fail_rcpt: dict[str, str] = {}
        self.fail_data: list[str] = []
        self.connections = 0  # SMTP sessions opened by clients (counted at EHLO)
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailSink:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def stop(self) -> None:
        self.controller.stop()

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]
