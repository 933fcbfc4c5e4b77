"""What a delivery attempt came to, and the retry policy: shared by both senders and the worker.

The senders (SMTP in `bot.mail.smtp`, Telegram in `bot.mail.telegram`) only report a `Result`
per row; the worker (`bot.mail.delivery`) applies the policy below: exponential backoff with
jitter for up to 24 hours, then the row is parked as failed with the server's answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
GIVE_UP_AFTER = timedelta(hours=24)


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""
    retry_after: timedelta | None = None  # the server asked us to wait this long (Telegram)
    unreachable: bool = False  # the Telegram user blocked the bot
    # the relay refused the sender itself (MAIL FROM, login, TLS, a 5xx greeting): every
    # message would meet the same answer (`bot.mail.breaker`)
    refuses_sender: bool = False
    at_envelope: bool = False  # the answer came to RCPT TO (not to the message's content)


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (recipient, reason)
    paused: bool = False  # email is paused: the relay refuses the sender (bot.mail.breaker)

    @property
    def attempted(self) -> int:
        return self.sent + self.retry + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retry += other.retry
        self.failed += other.failed
        self.failures += other.failures
        self.paused = self.paused or other.paused


def classify_code(code: int, message: str) -> Result:
    """4xx: try again later; 5xx: the server will never take it; anything else: try again."""
    detail = f"{code} {message}".strip()
    if 500 <= code < 600:
        return Result(Outcome.PERMANENT, detail)
    return Result(Outcome.TEMPORARY, detail)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after `attempts` tries: doubling from 1 minute up to 2 hours,
    with jitter (50-100 %) so a queue that failed together does not retry together."""
    base = min(FIRST_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)
    return base * (rng or random).uniform(0.5, 1.0)
