"""A database at the Forum's full size (UN scale): 200 members, 2,000 contacts, 500 meetings,
10,000 action items. Written in bulk through the models, for read-path tests and profiles."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services import Services
from storage.models import ActionItem, Meeting, Member, Person, Role
from tests.fixtures_bot import NOW, at

MEMBERS, CONTACTS, MEETINGS, ACTIONS = 200, 2000, 500, 10_000


async def build(services: Services, *, actions: int = ACTIONS, meetings: int = MEETINGS) -> None:
    async with services.sessions.begin() as session:
        members = [Member(code=f"M{n:03d}", name=f"Member state {n}", kind="state",
                          steering=n < 10, created_at=NOW) for n in range(MEMBERS)]
        people = [Person(name=f"Contact {n}", email=f"contact{n}@example.org", created_at=NOW,
                         telegram_id=900_000 + n if n < 200 else None)
                  for n in range(CONTACTS)]
        session.add_all([*members, *people])
        await session.flush()
        session.add_all([Role(person_id=p.id, member_id=members[n % MEMBERS].id,
                              role="focal_point") for n, p in enumerate(people)])
        start = at(3, 8)
        session.add_all([Meeting(title=f"Meeting {n}", starts_at=start + timedelta(hours=7 * n),
                                 ends_at=start + timedelta(hours=7 * n + 2), uid=f"u{n}@scale",
                                 timezone="Europe/Brussels", location="Geneva", audience="all",
                                 created_at=NOW, updated_at=NOW) for n in range(meetings)])
        session.add_all([ActionItem(title=f"Action item number {n}",
                                    member_id=members[n % MEMBERS].id,
                                    due_date=date(2007, 6, 1) + timedelta(days=n % 400),
                                    created_at=NOW, updated_at=NOW) for n in range(actions)])
