"""Operator commands for mail: `fof-bot digest`, `fof-bot outbox`, and the lines /outbox shows."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from bot import i18n
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import _
from bot.mail.digest import build_digests
from bot.mail.inbound import note
from bot.mail.outcomes import DeliveryReport, Outcome, Result
from bot.ops import mail
from bot.ops.mail import OutboxSummary
from bot.services import Services, open_services
from storage import outbox
from storage.models import Channel
from storage.outbox import OutboxRow
from storage.people import Viewer


class Progress:
    """A one-line progress bar on a terminal; on anything else, nothing until the end."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.total, self.label, self.width = total, label, width
        self.stream = stream or sys.stderr
        self.done = 0
        self.counts = {outcome: 0 for outcome in Outcome}
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) and total > 1

    def step(self, _row: OutboxRow, result: Result) -> None:
        self.done += 1
        self.counts[result.outcome] += 1
        if self.live:
            filled = self.width * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(
                f"\r{self.label} [{bar}] {self.done}/{self.total}  sent "
                f"{self.counts[Outcome.SENT]}  retry {self.counts[Outcome.TEMPORARY]}  "
                f"failed {self.counts[Outcome.PERMANENT]}"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


async def send_now(services: Services, now: datetime, *, label: str = "sending",
                   stream: TextIO | None = None) -> DeliveryReport:
    """Deliver what is due now (email only: the CLI has no Telegram bot), with a progress bar.
    No sender address is a configuration error here (one line, exit status 2)."""
    # the delivery worker (aiosmtplib and all) is loaded here, not when /outbox's handler
    # imports this module's summary at start-up
    from bot.mail.delivery import deliver_due

    services.settings.require_mail_from()
    async with services.sessions() as session:
        total = await outbox.count_due(session, now, [Channel.EMAIL])
    progress = Progress(total, label, stream)
    try:
        return await deliver_due(services, now, on_progress=progress.step)
    finally:
        progress.close()


def _print_delivery(report: DeliveryReport) -> None:
    print(f"delivery: {report.sent} sent, {report.retry} to retry later, "
          f"{report.failed} failed")
    for recipient, reason in report.failures:
        print(f"  failed {recipient}: {reason}")
    if report.paused:
        print("delivery is paused: the mail server refuses the sender; the messages wait in "
              "the outbox (`fof-bot outbox` shows its answer)", file=sys.stderr)


def delivery_status(report: DeliveryReport) -> int:
    """0 when nothing failed and something went out (or nothing was due); 1 when a message
    failed, or when nothing could be delivered (all deferred, or delivery paused)."""
    if report.failed:
        return 1
    if report.sent == 0 and (report.retry or report.paused):
        return 1
    return 0


async def digest_cli(settings: Settings, *, dry_run: bool, to: str | None) -> int:
    """`fof-bot digest [--dry-run] [--to EMAIL]`: build today's digests now, then send them."""
    async with open_services(settings, Clock()) as services:
        now = services.clock.now()
        report = await build_digests(services, now, only_email=to, dry_run=dry_run)
        if to is not None and not report.entries:
            print(f"{to} is not the focal point or steering-group representative of an active "
                  "member: no digest for this address", file=sys.stderr)
            return 1
        for entry in report.entries:
            print(f"  {entry.outcome:<18} {entry.email:<40} {entry.subject}")
        print(f"digest: {report.summary()}")
        if dry_run:
            if to is not None and report.entries and report.entries[0].text:
                print()
                print(report.entries[0].text)
            print("dry run: nothing was queued or sent")
            return 0
        delivery = await send_now(services, now, label="digest")
        _print_delivery(delivery)
        return delivery_status(delivery)


def _utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def summary_lines(summary: OutboxSummary) -> list[str]:
    """Plain-text lines, shared by the CLI and /outbox (which escapes them)."""
    counts = ", ".join(f"{n} {status}" for status, n in summary.counts.items())
    lines = [f"Outbox: {counts}"]
    oldest = summary.oldest_pending
    if oldest is not None:
        lines.append(
            f"Oldest pending: {oldest.kind} to {oldest.recipient}, queued "
            f"{_utc(oldest.created_at)}, {oldest.attempts} attempt(s), next try "
            f"{_utc(oldest.next_attempt_at)}"
            + (f", last error: {oldest.last_error}" if oldest.last_error else "")
        )
    blocked = _blocked_lines(summary)
    lines += blocked + bouncing_lines(summary)
    if summary.failures:
        lines.append(f"Failures ({len(summary.failures)}):")
        lines += [f"#{f.id} {f.kind} to {f.recipient} after {f.attempts} attempt(s): "
                  f"{f.last_error}" for f in summary.failures]
    elif blocked:  # no "No failures." while nothing can be sent; and nothing waits unless queued
        lines += ["No message has failed for good yet: they wait in the queue."] if oldest else []
    else:
        lines.append("No failures.")
    return lines


def bouncing_lines(summary: OutboxSummary) -> list[str]:
    """The contacts whose address bounces (no email goes to them until it is changed)."""
    if not summary.bouncing:
        return []
    lines = [_("Addresses that bounce ({count}); no email goes to them until the contact's "
               "address is changed:", count=len(summary.bouncing))]
    for contact in summary.bouncing:
        lines += [f"  {line}" for line in note.contact_lines(contact, i18n.current())]
        lines.append("    " + _("last error: {reason}", reason=contact.reason or "-"))
    return lines


def _blocked_lines(summary: OutboxSummary) -> list[str]:
    """Why nothing can be sent now, if that is so."""
    lines = []
    if summary.no_sender:
        lines.append("FOF_MAIL_FROM is not set: no email can be sent.")
    outage = summary.outage
    if outage is not None:
        lines.append(f"Mail cannot be sent since {_utc(outage.since)} (last try "
                     f"{_utc(outage.last_try)}): {outage.error}.")
    return lines


async def outbox_cli(settings: Settings) -> int:
    """`fof-bot outbox`: counts, the oldest pending message, every failure with its reason."""
    async with open_services(settings, Clock()) as services:
        for line in summary_lines(await mail.outbox_summary(services, Viewer.operator())):
            print(line)
    return 0
