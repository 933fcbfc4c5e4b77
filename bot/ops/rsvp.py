"""Answers in one click: the RSVP links in mail (`/rsvp/<token>?answer=yes|no|maybe`).

A link names one person and one meeting (signed with FOF_SECRET_KEY, `bot.http.tokens`). Reading
it (`read_link`, what a GET shows) never changes anything: link scanners only GET. Answering
(`answer_by_link`, a POST) stores and audits the answer with the same storage call as the Telegram
buttons (`storage.attendance_answers.answer`, so /attendance shows it). A link stops working
when its meeting starts or is cancelled, when the person is no longer invited or no longer an
active contact, and of course when it is forged or altered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.http.tokens import read_rsvp_token
from bot.services import Services
from storage import attendance_answers, feeds, meetings
from storage.models import Answer, Meeting, MeetingStatus, Person

ANSWERS = tuple(a.value for a in Answer)  # yes, no, maybe

# Why a link is refused (the HTTP front answers 403 with a sentence for each).
FORGED = "forged"  # not our signature, altered, or naming someone or something unknown
STARTED = "started"
CANCELLED = "cancelled"
NOT_INVITED = "not_invited"


class LinkRefused(Exception):
    """The link does not (or no longer) let anyone answer; nothing was changed.

    `language` is the person's when the link names a known person, else None."""

    def __init__(self, reason: str, language: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.language = language


class BadAnswer(ValueError):
    """An answer other than yes, no or maybe, on a link that works (the front answers 400
    in the person's `language`)."""

    def __init__(self, answer: str, language: str) -> None:
        super().__init__(answer)
        self.language = language


@dataclass(frozen=True)
class Invitation:
    """What an RSVP page shows: whose link, which meeting, their answer so far."""

    person_name: str
    language: str
    timezone: str
    meeting: Meeting
    answer: str | None  # the answer stored (after a POST: the one just given)
    changed: bool = False  # whether a POST changed the stored answer


def _person_and_meeting(services: Services, token: str) -> tuple[int, int]:
    secret = services.settings.secret_key
    found = read_rsvp_token(secret.get_secret_value(), token) if secret is not None else None
    if found is None:
        raise LinkRefused(FORGED)
    return found


async def _checked(session: AsyncSession, services: Services,
                   token: str) -> tuple[Person, Meeting]:
    """The link's person and meeting, when the person may still answer; else LinkRefused."""
    person_id, meeting_id = _person_and_meeting(services, token)
    person = await feeds.active_person(session, person_id)
    meeting = await meetings.get_meeting(session, meeting_id)
    if person is None or meeting is None:
        raise LinkRefused(FORGED)
    if meeting.status == MeetingStatus.CANCELLED:
        raise LinkRefused(CANCELLED, person.language)
    if meeting.starts_at <= services.now():  # the link expires when the meeting starts
        raise LinkRefused(STARTED, person.language)
    if not await meetings.is_invited(session, meeting, person.id):
        raise LinkRefused(NOT_INVITED, person.language)
    return person, meeting


def _invitation(person: Person, meeting: Meeting, answer: str | None,
                changed: bool = False) -> Invitation:
    return Invitation(person.name, person.language, person.timezone, meeting, answer, changed)


async def read_link(services: Services, token: str) -> Invitation:
    """What the link's page shows; changes nothing. LinkRefused when it cannot be used."""
    async with services.sessions() as session:
        person, meeting = await _checked(session, services, token)
        answer = await meetings.answer_of(session, meeting.id, person.id)
    return _invitation(person, meeting, answer)


async def answer_by_link(services: Services, token: str, answer: str) -> Invitation:
    """Store the person's answer as the Telegram buttons do, with an audit entry naming the
    link; giving the same answer again changes (and audits) nothing."""
    now = services.now()
    async with services.sessions.begin() as session:
        person, meeting = await _checked(session, services, token)
        if answer not in ANSWERS:
            raise BadAnswer(answer, person.language)
        meeting, changed = await attendance_answers.answer(
            session, meeting_id=meeting.id, person_id=person.id, answer=Answer(answer),
            via=attendance_answers.LINK, now=now)
        return _invitation(person, meeting, answer, changed=changed)
