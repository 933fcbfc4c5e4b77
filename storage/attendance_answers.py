"""An attendance answer by any way it comes (Telegram buttons, an RSVP link in a mail, a calendar
reply): stored as /attendance shows it and audited alike, one action with how it came."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, meetings
from storage.audit import AuditAction
from storage.models import Answer, Meeting, Person

TELEGRAM = "telegram"
LINK = "link"
CALENDAR_REPLY = "calendar reply"
VIA = (TELEGRAM, LINK, CALENDAR_REPLY)


def person_actor(person_id: int) -> str:
    """The audit actor for a contact who acted without Telegram (by a link, by mail): short
    enough for the column whatever their address."""
    return f"person:{person_id}"


async def answer(session: AsyncSession, *, meeting_id: int, person_id: int, answer: Answer,
                 via: str, now: datetime, actor: str | int | None = None) -> tuple[Meeting, bool]:
    """Store the person's answer (Rejected when the meeting started, was cancelled, or is not
    open to them); audit it when it changed. True when it changed."""
    if via not in VIA:
        raise ValueError(f"unknown way of answering {via!r}")
    before = await meetings.answer_of(session, meeting_id, person_id)
    meeting = await meetings.set_attendance(session, meeting_id=meeting_id,
                                            person_id=person_id, answer=answer, now=now)
    if before == answer.value:
        return meeting, False
    person = await session.get(Person, person_id)
    if actor is None:  # who acted: their Telegram account when they have one, else the contact
        actor = person.telegram_id if person and person.telegram_id else person_actor(person_id)
    await audit.record(
        session, at=now, actor=actor,
        action=AuditAction.MEETING_ANSWER, subject=f"{meeting.id} {meeting.title}",
        before={"answer": before},
        after={"answer": answer.value, "via": via, "person": person.name if person else None,
               "email": person.email if person else None})
    return meeting, True
