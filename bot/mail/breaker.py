"""The breaker: when the relay refuses the sender itself, pause email instead of failing it.

A relay that refuses *us* (login refused, relay denied, client host rejected, TLS failure, MAIL
FROM refused) answers every message the same; marking each row failed would throw away the
whole queue for one misconfiguration. So the delivery worker passes every email result through
a `Watch`:

- a result that says the relay refuses the sender (`Result.refuses_sender`: MAIL FROM, login,
  TLS, a 5xx greeting) trips the breaker at once;
- a permanent answer to RCPT TO that is a policy verdict (enhanced status x.7.x, 530/535, or
  words such as "relay" or "client host"), not a verdict on one mailbox (5.1.x, 5.2.x), is
  held back (an answer to the content, after DATA, is that message's alone); the
  same answer for `STREAK` recipients in a row (or for the whole batch when it is shorter)
  trips the breaker; anything else in between releases the held results as they were.

Tripping: the held rows and every row not yet tried are given back unchanged (still pending,
no attempt counted), the breaker is opened in the database (`storage.mailserver`) so that
every instance pauses email, and the instance that opened it queues ONE Telegram alert to each
administrator with the relay's answer (through the outbox's Telegram channel). While it is
open, the worker probes the relay every `PROBE_EVERY` (connect, MAIL FROM, RCPT TO the oldest
pending recipients, RSET: nothing is sent); the first accepted probe closes it and delivery
resumes in the same run.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import i18n
from bot.i18n import _
from bot.mail.outcomes import Outcome, Result
from bot.mail.recorder import Recorder
from bot.mail.smtp import probe_sender
from bot.services import Services
from storage import mailserver, outbox
from storage.models import Channel
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

STREAK = 3  # the same policy refusal for this many recipients in a row trips the breaker
PROBE_EVERY = timedelta(minutes=1)  # the delivery worker runs every 15 s: resumes within 2 min
QUIET = timedelta(hours=1)  # a relay that flaps is not announced again within this time
ALERT_PREFIX = "alert:mail-breaker:"
ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
ADDRESSES = re.compile(r"<[^>]*>|\S+@\S+")
POLICY_WORDS = re.compile(r"relay|client host|authenticat|sender|not permitted|access denied|"
                          r"tls|starttls", re.IGNORECASE)
ALERT_KIND = "alert"


def policy_refusal(result: Result) -> bool:
    """A permanent answer to RCPT TO about us (policy), not about one mailbox."""
    if result.outcome != Outcome.PERMANENT or not result.at_envelope:
        return False
    detail = result.detail
    enhanced = ENHANCED.search(detail)
    if enhanced is not None:
        subject = enhanced.group(2)
        return subject == "7" or enhanced.group(0) in ("5.1.7", "5.1.8")
    return detail[:3] in ("530", "535") or POLICY_WORDS.search(detail) is not None


def _same_answer(detail: str) -> str:
    """The answer without the addresses in it: 'relay denied for <a@x>' for every a."""
    return " ".join(ADDRESSES.sub("", detail).split()).lower()


class Watch:
    """Email results on their way to the recorder, for one delivery run."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.stop = asyncio.Event()  # set when tripped: the senders start no further row
        self.tripped: Result | None = None
        self.paused: list[OutboxRow] = []  # rows to give back unchanged
        self._held: list[tuple[OutboxRow, Result]] = []
        self._seen = 0  # email results of the current batch

    async def add(self, row: OutboxRow, result: Result) -> None:
        self._seen += 1
        if self.tripped is not None and result.outcome != Outcome.SENT:
            self.paused.append(row)
        elif result.refuses_sender:
            self._trip(result, row)
        elif policy_refusal(result):
            if self._held and _same_answer(self._held[-1][1].detail) != _same_answer(
                    result.detail):
                await self._release()
            self._held.append((row, result))
            if len(self._held) >= STREAK:
                self._trip(result)
        else:
            await self._release()
            await self.recorder.add(row, result)

    def _trip(self, result: Result, row: OutboxRow | None = None) -> None:
        self.tripped = result
        self.paused += [held for held, _ in self._held] + ([row] if row is not None else [])
        self._held = []
        self.stop.set()

    async def _release(self) -> None:
        held, self._held = self._held, []
        for row, result in held:
            await self.recorder.add(row, result)

    async def end_of_batch(self) -> None:
        """A streak that covered the whole (short) batch trips too; else it was bad luck."""
        if self._held and len(self._held) == self._seen:
            self._trip(self._held[-1][1])
        await self._release()
        self._seen = 0


def alert_text(server: str, sender: str, answer: str) -> str:
    code = "<code>" + html.escape(answer) + "</code>"
    return _("Mail delivery is paused: the mail server {server} refuses mail from {sender}. "
             "It answered: {answer}\nNo message is lost: they wait in the outbox and go out "
             "by themselves once the server accepts them again (it is checked every minute). "
             "Check the relay's settings for this host and FOF_SMTP_USERNAME, "
             "FOF_SMTP_PASSWORD and FOF_SMTP_TLS; /outbox shows the queue.",
             server=html.escape(server), sender=html.escape(sender),
             answer=code)


async def _alerted_lately(session, now: datetime) -> bool:
    queued = await outbox.keys_with_prefix(session, ALERT_PREFIX)
    return any(now - at < QUIET for at in queued.values())


async def trip(services: Services, now: datetime, watch: Watch,
               unsent: Sequence[OutboxRow]) -> None:
    """Give the paused and untried rows back, open the breaker, alert once."""
    assert watch.tripped is not None
    settings = services.settings
    answer = watch.tripped.detail
    rows = [row.id for row in [*watch.paused, *unsent]]
    async with services.sessions.begin() as session:
        await outbox.release(session, rows)
        watch.recorder.held.difference_update(rows)
        opened = await mailserver.open_breaker(session, at=now, error=answer,
                                               next_probe=now + PROBE_EVERY)
        if opened and not await _alerted_lately(session, now):
            server = f"{settings.smtp_host}:{settings.smtp_port}"
            sender = settings.mail_from or ""
            for chat, language in await mailserver.admin_chats(session):
                with i18n.using(language):
                    text = alert_text(server, sender, answer)
                await outbox.enqueue(session, key=f"{ALERT_PREFIX}{now.isoformat()}:{chat}",
                                     recipient=str(chat), kind=ALERT_KIND, body=text, now=now,
                                     subject="mail delivery paused", channel=Channel.TELEGRAM)
    log.warning("mail delivery paused: the mail server refuses the sender (%s); %d message(s) "
                "wait in the outbox", answer, len(rows))


async def give_back_email(services: Services, watch: Watch,
                          rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """Rows claimed ahead before the breaker tripped: their email is given back unchanged
    (still pending, no attempt counted); the rest is returned to be sent."""
    email = [row.id for row in rows if row.channel == Channel.EMAIL]
    if email:
        async with services.sessions.begin() as session:
            await outbox.release(session, email)
        watch.recorder.held.difference_update(email)
    return [row for row in rows if row.channel != Channel.EMAIL]


async def paused(services: Services, now: datetime, state: mailserver.Breaker | None) -> bool:
    """Is email paused, the breaker's `state` being as read at the start of the run? When it is
    open and a probe is due, probe the relay first: an accepted probe closes it (False)."""
    if state is None:
        return False
    async with services.sessions.begin() as session:
        mine = await mailserver.claim_probe(session, now=now, until=now + PROBE_EVERY,
                                            owner=services.instance)
        recipients = await mailserver.probe_recipients(session) if mine else []
    if not mine:
        return True
    answers = [await probe_sender(services.settings, rcpt) for rcpt in recipients or
               [services.settings.require_mail_from()]]
    if any(answer is None for answer in answers):
        async with services.sessions.begin() as session:
            await mailserver.close_breaker(session)
        log.info("the mail server accepts mail again: delivery resumes")
        return False
    async with services.sessions.begin() as session:
        await mailserver.note_probe_failed(session, answers[-1] or state.error)
    return True
