"""The inbox job: every FOF_IMAP_POLL_SECONDS, read what is new in FOF_IMAP_URL's mailbox.

Each message is classified (`bot.mail.inbound.parse`), handed to its operation
(`bot.ops.inbound`: one transaction each) and then marked handled on the server, whatever it
was (an out-of-office reply too), so nothing is read twice, after a restart either. A message
whose operation failed (the database was away) stays unmarked and is read again next time. The
IMAP calls run in a thread (`asyncio.to_thread`); a mailbox that cannot be reached is one
WARNING line per poll naming the mailbox without its password.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from imapclient.exceptions import IMAPClientError

from bot.mail.inbound import note, parse
from bot.mail.inbound.mailbox import Fetched, MailboxReader
from bot.ops import inbound
from bot.services import Services

log = logging.getLogger(__name__)

BATCH = 100  # messages read per poll; the rest wait for the next one


@dataclass
class PollReport:
    handled: int = 0
    outcomes: list[str] = field(default_factory=list)
    error: str | None = None  # the mailbox could not be read

    def __bool__(self) -> bool:  # the scheduler kicks delivery after a poll that changed things
        return self.handled > 0


async def handle(services: Services, raw: bytes) -> str:
    """Do what one message asks; a line saying what that was."""
    try:
        reading = parse.classify(parse.read_message(raw))
    except Exception:  # a message no parser makes sense of: read once, never again
        log.warning("inbox: a message that could not be read", exc_info=True)
        reading = parse.Ignored("a message that could not be read")
    if isinstance(reading, parse.BounceNote):
        return await inbound.record_bounce(services, reading)
    if isinstance(reading, parse.CalendarReply):
        return await inbound.record_reply(services, reading)
    if isinstance(reading, parse.Unsubscribe):
        return await inbound.record_unsubscribe(services, reading)
    return f"ignored: {reading.why}"


async def _handle_all(services: Services, reader: MailboxReader, found: list[Fetched],
                      report: PollReport) -> None:
    for message in found:
        try:
            outcome = await handle(services, message.raw)
        except Exception:  # the database, most likely: leave it unmarked for the next poll
            log.exception("inbox: message %d not handled; tried again at the next poll",
                          message.uid)
            continue
        await asyncio.to_thread(reader.mark_handled, [message.uid])
        report.handled += 1
        report.outcomes.append(outcome)
        log.info("inbox: message %d: %s", message.uid, outcome)


async def poll(services: Services, now: datetime, *, reader: MailboxReader | None = None
               ) -> PollReport:
    """Read and handle what is new in the mailbox (nothing when FOF_IMAP_URL is unset), then
    queue the administrators' daily note of bouncing addresses."""
    report = PollReport()
    mailbox = services.settings.mailbox
    if mailbox is None:
        return report
    reader = reader or MailboxReader(mailbox)
    try:
        await asyncio.to_thread(reader.open)
        found = await asyncio.to_thread(reader.unhandled, BATCH)
        await _handle_all(services, reader, found, report)
    except (OSError, IMAPClientError) as error:
        report.error = " ".join(str(error).split())
        if mailbox.password:
            report.error = report.error.replace(mailbox.password, "[secret]")
        log.warning("inbox %s cannot be read: %s", mailbox, report.error)
    finally:
        await asyncio.to_thread(reader.close)
    await note.queue_daily_note(services, now)
    return report
