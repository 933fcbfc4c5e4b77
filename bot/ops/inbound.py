"""What the secretariat's inbox changes: bounces, calendar replies, mailed unsubscribes.

(The addresses that bounce are shown by `bot.ops.mail.outbox_summary`, `bot.ops.membership.
focal_points` and the daily note, `bot.mail.inbound.note`.)

The inbox worker (`bot.mail.inbound.worker`) calls one of these per message; each opens its one
transaction and returns a short line for the log (never a password or a token).
"""

from __future__ import annotations

from bot.mail.inbound.parse import PERMANENT, BounceNote, CalendarReply, Unsubscribe
from bot.ops import subscriptions
from bot.services import Services
from storage import attendance_answers, audit, bounces, meetings
from storage.audit import AuditAction
from storage.errors import Rejected
from storage.models import Answer

ACTOR = "mail"  # the audit entries' actor: the secretariat's inbox


async def record_bounce(services: Services, note: BounceNote) -> str:
    """Count a bounce against the address of the row its VERP token names; make the address
    undeliverable after one permanent failure, or THRESHOLD temporary ones on different days
    within the window. Bounces naming no genuine row of ours change nothing."""
    if note.token is None:
        return "a bounce naming none of our messages: ignored"
    now = services.now()
    async with services.sessions.begin() as session:
        row = await bounces.sent_row(session, note.token.row_id)
        if row is None or not note.token.genuine(services.settings, row.body):
            return f"a bounce for outbox row {note.token.row_id} that we did not send: ignored"
        reason = " ".join(f"{note.status} {note.diagnostic}".split())
        if note.severity == PERMANENT:
            await bounces.mark_row_bounced(session, row.id, reason=reason)
        counted = await bounces.count(
            session, address=row.recipient, severity=note.severity, day=services.today(),
            now=now, status=note.status, diagnostic=note.diagnostic, outbox_id=row.id)
        if note.severity != PERMANENT and (not counted or await bounces.temporary_days(
                session, row.recipient, services.today()) < bounces.THRESHOLD):
            return f"row {row.id}: a temporary bounce ({'counted' if counted else 'not counted'})"
        if await bounces.mark_undeliverable(session, row.recipient, now=now, reason=reason):
            await audit.record(session, at=now, actor=ACTOR, action=AuditAction.ADDRESS_BOUNCES,
                               subject=row.recipient, after={"reason": reason,
                                                             "severity": note.severity})
        await bounces.hold_undeliverable(session)
    return f"row {row.id}: {note.severity} bounce; the address is undeliverable"


async def record_reply(services: Services, reply: CalendarReply) -> str:
    """A calendar reply: the attendee's answer for the meeting it names, as the Telegram
    buttons record it (until the meeting starts; only for invited contacts), audited."""
    now = services.now()
    async with services.sessions.begin() as session:
        person = await bounces.person_by_email(session, reply.attendee) \
            or await bounces.person_by_email(session, reply.sender)
        meeting_id = await meetings.id_by_uid(session, reply.uid)
        if person is None or meeting_id is None:
            return "a calendar reply from an unknown address or for an unknown meeting: ignored"
        try:
            await attendance_answers.answer(
                session, meeting_id=meeting_id, person_id=person[0], answer=Answer(reply.answer),
                via=attendance_answers.CALENDAR_REPLY, now=now)
        except Rejected as refused:
            return f"a calendar reply for meeting {meeting_id} refused: {refused}"
    return f"meeting {meeting_id}: answer {reply.answer} by calendar reply"


async def record_unsubscribe(services: Services, request: Unsubscribe) -> str:
    """A mail to the List-Unsubscribe address from a known contact: that kind of mail off."""
    async with services.sessions() as session:
        person = await bounces.person_by_email(session, request.sender)
    if person is None:
        return "an unsubscribe request from an unknown address: ignored"
    changed = await subscriptions.unsubscribe(services, person[0], request.kind, via="mail")
    return f"{request.kind} {'turned off' if changed else 'was off already'} by mail"

