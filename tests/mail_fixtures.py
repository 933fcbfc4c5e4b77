"""Sample data for the mail tests: the first Global Forum, July 2007.

Belgium holds the troika's present chair and the Philippines the future one; Belgium, the
Philippines and Finland sit in the steering group. The clock stands at Monday 2 July 2007,
09:00 in Brussels (tests/conftest.py), a week before the Forum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from icalendar import Calendar
from sqlmodel import select

from bot.services import Services
from storage import meetings
from storage.models import (
    ActionItem,
    Attendance,
    Audience,
    Meeting,
    MeetingKind,
    Member,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    RoleKind,
)

NOW = datetime(2007, 7, 2, 7, 0, tzinfo=UTC)
JOSE_TELEGRAM = 5001


@dataclass
class Sample:
    members: dict[str, int]
    people: dict[str, int]  # first name (lower case) -> id
    forum: int  # Global Forum, Brussels, 9-11 July, audience all
    troika: int  # troika meeting, 5 July, audience troika
    steering: int  # steering group, 20 July, audience steering
    pilot: int  # Finland's pilot on measuring impacts, due 5 July
    study: int  # Bangladesh's feasibility study, due 30 June (overdue)
    invitations: int = 0  # outbox rows of the invitations sent when the meetings were made

    def email(self, first: str) -> str:
        return EMAILS[first]


EMAILS = {
    "anne": "anne.dupont@example.org",
    "luc": "luc.peeters@example.org",
    "jose": "jose.santos@example.org",
    "mikko": "mikko.virtanen@example.org",
    "rahim": "rahim.uddin@example.org",
    "maria": "maria.garcia@example.org",
}


async def seed(services: Services, *, invited: bool = False) -> Sample:
    """The sample; `invited`: the invitations went out (and were delivered) a month ago, when
    the meetings were scheduled, so what the sweep does now is reminding."""
    sample = await _seed(services)
    if invited:
        from bot.mail.reminders import sweep

        at = NOW - timedelta(days=30)
        sample.invitations = await sweep(services, at)
        async with services.sessions.begin() as session:
            for row in (await session.exec(select(OutboxMessage))).all():
                row.status, row.sent_at = OutboxStatus.SENT, at
                session.add(row)
    return sample


async def _seed(services: Services) -> Sample:
    at = NOW - timedelta(days=30)
    async with services.sessions.begin() as session:
        members = {
            "BE": Member(code="BE", name="Belgium", region="Western European and Others",
                         steering=True, troika="present", created_at=at),
            "PH": Member(code="PH", name="Philippines", region="Asia-Pacific", steering=True,
                         troika="future", created_at=at),
            "FI": Member(code="FI", name="Finland", region="Western European and Others",
                         steering=True, created_at=at),
            "BD": Member(code="BD", name="Bangladesh", region="Asia-Pacific", created_at=at),
            "MX": Member(code="MX", name="Mexico", region="Latin American and Caribbean",
                         created_at=at),
        }
        session.add_all(members.values())
        people = {
            "anne": Person(name="Anne Dupont", email=EMAILS["anne"],
                           timezone="Europe/Brussels", language="fr", created_at=at),
            "luc": Person(name="Luc Peeters", email=EMAILS["luc"], timezone="Europe/Brussels",
                          created_at=at),
            "jose": Person(name="José Santos", email=EMAILS["jose"], timezone="Asia/Manila",
                           telegram_id=JOSE_TELEGRAM, created_at=at),
            "mikko": Person(name="Mikko Virtanen", email=EMAILS["mikko"],
                            timezone="Europe/Helsinki", created_at=at),
            "rahim": Person(name="Rahim Uddin", email=EMAILS["rahim"], timezone="Asia/Dhaka",
                            created_at=at),
            "maria": Person(name="María García", email=EMAILS["maria"],
                            timezone="America/Mexico_City", language="es", created_at=at),
        }
        session.add_all(people.values())
        await session.flush()
        roles = [("anne", "BE", RoleKind.FOCAL_POINT), ("luc", "BE", RoleKind.STEERING_REP),
                 ("jose", "PH", RoleKind.FOCAL_POINT), ("mikko", "FI", RoleKind.FOCAL_POINT),
                 ("rahim", "BD", RoleKind.FOCAL_POINT), ("maria", "MX", RoleKind.FOCAL_POINT)]
        for person, member, role in roles:
            session.add(Role(person_id=people[person].id, member_id=members[member].id,
                             role=role))

        def meeting(title: str, start: datetime, hours: float, audience: str, kind: str,
                    location: str) -> Meeting:
            return Meeting(title=title, kind=kind, starts_at=start,
                           ends_at=start + timedelta(hours=hours), timezone="Europe/Brussels",
                           location=location, audience=audience,
                           uid=f"{title.lower().replace(' ', '-')}@gfmd.example",
                           agenda="Opening; roundtables; closing", created_at=at, updated_at=at)

        forum = meeting("Global Forum", datetime(2007, 7, 9, 7, 0, tzinfo=UTC), 58,
                        Audience.ALL, MeetingKind.SUMMIT, "Brussels, Egmont Palace")
        troika = meeting("Troika meeting", datetime(2007, 7, 5, 12, 0, tzinfo=UTC), 2,
                         Audience.TROIKA, MeetingKind.TROIKA, "Brussels, Egmont Palace")
        steering = meeting("Steering group", datetime(2007, 7, 20, 8, 0, tzinfo=UTC), 3,
                           Audience.STEERING, MeetingKind.STEERING, "Brussels")
        session.add_all([forum, troika, steering])
        await session.flush()
        pilot = ActionItem(title="Pilot on measuring the impacts of migration policies",
                           member_id=members["FI"].id, due_date=date(2007, 7, 5),
                           meeting_id=forum.id, created_at=at, updated_at=at)
        study = ActionItem(title="Feasibility study on a migrant resource centre",
                           member_id=members["BD"].id, due_date=date(2007, 6, 30),
                           created_at=at, updated_at=at)
        session.add_all([pilot, study])
        await session.flush()
        return Sample(
            members={code: m.id for code, m in members.items()},
            people={name: p.id for name, p in people.items()},
            forum=forum.id, troika=troika.id, steering=steering.id,
            pilot=pilot.id, study=study.id,
        )


async def rows(services: Services, prefix: str = "") -> list[OutboxMessage]:
    async with services.sessions() as session:
        found = await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in found.all() if r.key.startswith(prefix)]


async def answer(services: Services, meeting_id: int, person_id: int, value: str) -> None:
    async with services.sessions.begin() as session:
        session.add(Attendance(meeting_id=meeting_id, person_id=person_id, answer=value,
                               updated_at=NOW))


async def move_meeting(services: Services, meeting_id: int, by: timedelta) -> None:
    """What /movemeeting does: new time, status moved, SEQUENCE raised, the audit entry."""
    async with services.sessions.begin() as session:
        meeting = await session.get(Meeting, meeting_id)
        await meetings.move_meeting(session, meeting_id=meeting_id,
                                    starts_at=meeting.starts_at + by, actor="cli", now=NOW)


async def cancel_meeting(services: Services, meeting_id: int) -> None:
    async with services.sessions.begin() as session:
        await meetings.cancel_meeting(session, meeting_id=meeting_id, actor="cli", now=NOW)


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def parts(message: EmailMessage) -> dict[str, list[EmailMessage]]:
    """Leaf parts by content type."""
    found: dict[str, list[EmailMessage]] = {}
    for part in message.walk():
        if not part.is_multipart():
            found.setdefault(part.get_content_type(), []).append(part)
    return found


def calendars(message: EmailMessage) -> list[Calendar]:
    return [Calendar.from_ical(part.get_content()) for part in parts(message)["text/calendar"]]
