"""The sample dataset that the demo loads, drawn from the GFMD's founding documents (Brussels,
2007).

Meetings, bodies and follow-up actions follow the Chair's conclusions of the first Global Forum
and the Chair's April 2007 interview. People, email addresses and Telegram ids are fictitious;
the steering group's composition is illustrative (a dozen states from all five UN regions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ActionItem, ActionNote, Meeting, Member, Person, Role
from storage.regions import region_for, un_member_states

# Demo users who chat with the bot (fictitious Telegram ids).
ADMIN_TELEGRAM_ID = 7001
FOCAL_MEXICO_TELEGRAM_ID = 7002
FOCAL_FINLAND_TELEGRAM_ID = 7003
DELEGATE_TELEGRAM_ID = 7004

STEERING = ["BE", "FI", "ES", "PH", "BD", "IN", "MA", "GH", "SN", "MX", "EC", "RO"]
FRIENDS = ["DE", "NL", "FR", "IT", "SE", "US", "CA", "AU", "CN", "ID", "NG", "KE", "EG", "TR",
           "AR", "BR", "CO", "MD", "AL", "PL"]
ORGANISATIONS = {
    "IOM": "International Organization for Migration",
    "UNDESA": "UN Department of Economic and Social Affairs",
    "ILO": "International Labour Organization",
    "UNDP": "United Nations Development Programme",
    "WB": "World Bank",
    "OECD": "Organisation for Economic Co-operation and Development",
}
TROIKA = {"BE": "present", "PH": "future"}  # the first Forum has no past chair yet


@dataclass(frozen=True)
class Contact:
    code: str
    name: str
    email: str
    timezone: str
    telegram_id: int | None = None
    language: str = "en"
    role: str = "focal_point"


CONTACTS = [
    Contact("BE", "Luc Vandenberghe", "focal.be@gfmd.example", "Europe/Brussels",
            language="fr"),
    Contact("BE", "Ann Peeters", "steering.be@gfmd.example", "Europe/Brussels",
            role="steering_rep"),
    Contact("FI", "Aino Virtanen", "focal.fi@gfmd.example", "Europe/Helsinki",
            FOCAL_FINLAND_TELEGRAM_ID),
    Contact("ES", "Lucía Fernández", "focal.es@gfmd.example", "Europe/Madrid", language="es"),
    Contact("PH", "Maria Santos", "focal.ph@gfmd.example", "Asia/Manila"),
    Contact("PH", "Jose Reyes", "steering.ph@gfmd.example", "Asia/Manila", role="steering_rep"),
    Contact("BD", "Farhana Rahman", "focal.bd@gfmd.example", "Asia/Dhaka"),
    Contact("IN", "Arjun Mehta", "focal.in@gfmd.example", "Asia/Kolkata"),
    Contact("MA", "Youssef Benali", "focal.ma@gfmd.example", "Africa/Casablanca",
            language="fr"),
    Contact("GH", "Kofi Mensah", "focal.gh@gfmd.example", "Africa/Accra"),
    Contact("SN", "Awa Diop", "focal.sn@gfmd.example", "Africa/Dakar", language="fr"),
    Contact("MX", "Ana García", "focal.mx@gfmd.example", "America/Mexico_City",
            FOCAL_MEXICO_TELEGRAM_ID, language="es"),
    Contact("EC", "Diego Andrade", "focal.ec@gfmd.example", "America/Guayaquil", language="es"),
    Contact("RO", "Elena Popescu", "focal.ro@gfmd.example", "Europe/Bucharest"),
    Contact("DE", "Jonas Weber", "focal.de@gfmd.example", "Europe/Berlin"),
    Contact("NL", "Sanne de Vries", "focal.nl@gfmd.example", "Europe/Amsterdam"),
    Contact("FR", "Claire Martin", "focal.fr@gfmd.example", "Europe/Paris", language="fr"),
    Contact("US", "Emily Carter", "focal.us@gfmd.example", "America/New_York"),
    Contact("KE", "Wanjiru Kamau", "focal.ke@gfmd.example", "Africa/Nairobi"),
    Contact("BR", "Rafael Souza", "focal.br@gfmd.example", "America/Sao_Paulo"),
    Contact("IOM", "Sophie Laurent", "focal.iom@gfmd.example", "Europe/Zurich"),
    Contact("UNDESA", "David Chen", "focal.undesa@gfmd.example", "America/New_York"),
]

BRUSSELS = "Europe/Brussels"


@dataclass(frozen=True)
class SampleMeeting:
    key: str
    title: str
    kind: str
    start: str
    end: str
    zone: str
    location: str
    audience: str
    agenda: str = ""


MEETINGS = [
    SampleMeeting("fof-2007-01", "Friends of the Forum, first meeting", "friends",
                  "2007-01-30 10:00", "2007-01-30 17:00", BRUSSELS, "Egmont Palace, Brussels",
                  "all", "Programme of the first Global Forum, based on the survey of UN member "
                  "states; focal points."),
    SampleMeeting("sg-2007-07", "Steering group: final preparations for Brussels", "steering",
                  "2007-07-03 15:00", "2007-07-03 17:00", BRUSSELS, "Egmont Palace, Brussels",
                  "steering", "Roundtable chairs and rapporteurs; Marketplace; logistics."),
    SampleMeeting("gf-2007", "Global Forum on Migration and Development, Brussels", "summit",
                  "2007-07-09 09:00", "2007-07-11 18:00", BRUSSELS, "Egmont Palace, Brussels",
                  "all", "Civil society day (9 July), government meeting (10-11 July)."),
    SampleMeeting("rt1-2007", "Roundtable 1: Human capital development and labour mobility",
                  "roundtable", "2007-07-10 09:30", "2007-07-10 13:00", BRUSSELS,
                  "Egmont Palace, Brussels", "all"),
    SampleMeeting("rt2-2007", "Roundtable 2: Remittances and other diaspora resources",
                  "roundtable", "2007-07-10 14:30", "2007-07-10 18:00", BRUSSELS,
                  "Egmont Palace, Brussels", "all"),
    SampleMeeting("rt3-2007", "Roundtable 3: Enhancing institutional and policy coherence, "
                  "and promoting partnerships", "roundtable", "2007-07-11 09:30",
                  "2007-07-11 13:00", BRUSSELS, "Egmont Palace, Brussels", "all"),
    SampleMeeting("mp-2007", "Marketplace (facilitated by UNDESA)", "marketplace",
                  "2007-07-10 09:00", "2007-07-11 17:00", BRUSSELS, "Egmont Palace, Brussels",
                  "all", "Bilateral meetings matching demands and offers for cooperation."),
    SampleMeeting("troika-2007-07", "Troika: handover towards Manila", "troika",
                  "2007-07-11 18:30", "2007-07-11 19:30", BRUSSELS, "Egmont Palace, Brussels",
                  "troika"),
    SampleMeeting("fof-2007-09", "Friends of the Forum: follow-up of Brussels", "friends",
                  "2007-09-25 10:00", "2007-09-25 17:00", "Europe/Zurich",
                  "Palais des Nations, Geneva", "all"),
    SampleMeeting("gf-2008", "Global Forum on Migration and Development, Manila", "summit",
                  "2008-10-27 09:00", "2008-10-30 18:00", "Asia/Manila",
                  "Philippine International Convention Center, Manila", "all",
                  "Policy coherence, taken further from Brussels."),
]


@dataclass(frozen=True)
class SampleAction:
    code: str
    title: str
    due: date
    status: str = "open"
    meeting: str | None = "gf-2007"
    note: str | None = None


ACTIONS = [
    SampleAction("FI", "Pilot project: measuring and analysing the impacts of migration on "
                 "development", date(2007, 12, 31), "in_progress",
                 note="Terms of reference shared with the support structure."),
    SampleAction("BD", "Feasibility study on private-sector channels for remittances",
                 date(2008, 3, 31)),
    SampleAction("BE", "Circulate the full report of the Brussels Forum to all focal points",
                 date(2007, 7, 31)),
    SampleAction("MX", "Share the national focal-point coordination practice with the "
                 "steering group", date(2007, 7, 5), meeting="fof-2007-01"),
    SampleAction("UNDESA", "Publish the Marketplace's operational outcomes on its website",
                 date(2007, 6, 29), meeting="fof-2007-01"),
    SampleAction("PH", "Propose policy coherence as a theme of the Manila programme",
                 date(2007, 9, 15)),
    SampleAction("BE", "Draft terms of reference for the troika and the steering group",
                 date(2007, 6, 15), "done", meeting="fof-2007-01"),
]


def _utc(local: str, zone: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


async def load_sample_data(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Add the sample members, contacts, meetings and actions; returns counts by kind."""
    states = un_member_states()
    members: dict[str, Member] = {}
    for code in STEERING + FRIENDS:
        members[code] = Member(code=code, name=states[code].name, kind="state",
                               region=region_for(code), steering=code in STEERING,
                               troika=TROIKA.get(code), created_at=now)
    for code, name in ORGANISATIONS.items():
        members[code] = Member(code=code, name=name, kind="organisation", created_at=now)
    session.add_all(members.values())
    await session.flush()

    for contact in CONTACTS:
        person = Person(name=contact.name, email=contact.email, timezone=contact.timezone,
                        language=contact.language, telegram_id=contact.telegram_id,
                        created_at=now)
        session.add(person)
        await session.flush()
        session.add(Role(person_id=person.id, member_id=members[contact.code].id,
                         role=contact.role))

    meetings: dict[str, Meeting] = {}
    for sample in MEETINGS:
        meetings[sample.key] = Meeting(
            title=sample.title, kind=sample.kind, starts_at=_utc(sample.start, sample.zone),
            ends_at=_utc(sample.end, sample.zone), timezone=sample.zone,
            location=sample.location, agenda=sample.agenda, audience=sample.audience,
            uid=f"{sample.key}@gfmd.example", created_at=now, updated_at=now)
    session.add_all(meetings.values())
    await session.flush()

    for sample in ACTIONS:
        action = ActionItem(title=sample.title, member_id=members[sample.code].id,
                            due_date=sample.due, status=sample.status,
                            meeting_id=meetings[sample.meeting].id if sample.meeting else None,
                            done_at=now if sample.status == "done" else None,
                            created_at=now, updated_at=now)
        session.add(action)
        await session.flush()
        if sample.note:
            session.add(ActionNote(action_id=action.id, author="support structure",
                                   text=sample.note, created_at=now))
    await session.flush()
    return {"members": len(members), "contacts": len(CONTACTS), "meetings": len(MEETINGS),
            "actions": len(ACTIONS)}
