"""Mail operations: run or preview the digest, look at the outbox, retry its failures.

/digest, /outbox and the retry button call these; `fof-bot outbox` shares `outbox_summary`.
They queue mail and never send it: the delivery worker does that after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import _
from bot.mail import digest
from bot.mail.digest import DigestEntry, DigestReport
from bot.ops.admin import require_admin
from bot.services import Services
from storage import audit, bounces, mailing, mailserver, outbox
from storage.audit import AuditAction
from storage.bounces import BouncingContact
from storage.errors import Rejected
from storage.mailserver import Outage
from storage.models import OutboxMessage
from storage.outbox import Failure
from storage.people import Viewer


async def run_digest(services: Services, viewer: Viewer) -> DigestReport:
    """Queue today's digest for everybody now, as the schedule would (and audit the run)."""
    require_admin(viewer)
    now = services.now()
    async with services.sessions.begin() as session:
        report = await digest.queue_digests(session, services.settings, now)
        await audit.record(session, at=now, actor=viewer.actor,
                           action=AuditAction.DIGEST_RUN, subject=report.summary())
    return report


async def digest_plan(services: Services, viewer: Viewer) -> DigestReport:
    """What `run_digest` would do now, queueing nothing: /digest asks for confirmation with it."""
    require_admin(viewer)
    async with services.sessions() as session:
        return await digest.queue_digests(session, services.settings, services.now(),
                                          dry_run=True)


@dataclass(frozen=True)
class DigestPreview:
    summary: str  # what a real run now would do
    sent_to: str | None  # the viewer's own address, when linked: the preview went there
    # the preview queued to `sent_to`; when not linked, the first digest with text, if any
    entry: DigestEntry | None


async def preview_digest(services: Services, viewer: Viewer) -> DigestPreview:
    """Mail the viewer a preview of their own digest, or (not linked) show someone's."""
    require_admin(viewer)
    now, settings = services.now(), services.settings
    async with services.sessions.begin() as session:
        me = await mailing.person_by_telegram(session, viewer.telegram_id)
        dry = await digest.queue_digests(session, settings, now, dry_run=True)
        if me is None:
            sample = next((e for e in dry.entries if e.text), None)
            return DigestPreview(dry.summary(), None, sample)
        entry = await digest.queue_preview(session, settings, now, person_email=me.email,
                                           to_address=me.email, to_name=me.name)
    return DigestPreview(dry.summary(), me.email, entry)


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    oldest_pending: OutboxMessage | None
    failures: list[Failure]
    outage: Outage | None = None  # the mail server cannot be used (from the last tries)
    no_sender: bool = False  # FOF_MAIL_FROM is not set: no email can be sent at all
    # contacts whose address bounces: no email goes to them (bot/mail/inbound)
    bouncing: list[BouncingContact] = field(default_factory=list)


async def outbox_summary(services: Services, viewer: Viewer) -> OutboxSummary:
    """Counts per status, the oldest pending message, every failure, and whether mail can be
    sent at all (the mail server's last known state, a missing sender address)."""
    require_admin(viewer)
    async with services.sessions() as session:
        return OutboxSummary(
            counts=await outbox.counts(session),
            oldest_pending=await outbox.oldest_pending(session),
            failures=await outbox.failures(session),
            outage=await mailserver.outage(session),
            no_sender=not services.settings.mail_from,
            bouncing=await bounces.bouncing_contacts(session),
        )


async def clear_bounces(services: Services, viewer: Viewer, address: str) -> datetime:
    """Let mail go again to an address that bounced (its mailbox was repaired); since when it
    had been undeliverable. Messages held meanwhile stay unsent."""
    require_admin(viewer)
    now = services.now()
    async with services.sessions.begin() as session:
        since = await bounces.clear(session, address)
        if since is None:
            raise Rejected(_("No mail is held back for {address}: /outbox lists the addresses "
                             "that bounce.", address=address))
        await audit.record(session, at=now, actor=viewer.actor,
                           action=AuditAction.ADDRESS_CLEARED, subject=address.lower())
    return since


async def retry_failures(services: Services, viewer: Viewer) -> int:
    """Put every failed message back in the queue; how many there were."""
    require_admin(viewer)
    now = services.now()
    async with services.sessions.begin() as session:
        count = await outbox.retry_failed(session, now=now)
        await audit.record(session, at=now, actor=viewer.actor,
                           action=AuditAction.OUTBOX_RETRY, subject=f"{count} message(s)")
    return count
