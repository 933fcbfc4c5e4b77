"""One-time codes that link a Telegram account to a contact.

Only a salted hash of a code is stored. A code lives 15 minutes. Each Telegram account holds at
most one code (a new request replaces it), for one contact; a guess is checked against that one
code only. Codes are per account and contact, so a contact who asks while someone else's code for
her address is pending still gets her own.

Limits (counted in `LinkAttempt` rows over the last hour and day, so a new code resets nothing):
wrong guesses 5 an hour and 20 a day per account and per contact; a code mailed at most once a
minute per contact and per account, and 5 an hour per account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, delete, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.audit import AuditAction
from storage.models import LinkAttempt, LinkCode, Person

LIFETIME = timedelta(minutes=15)
RESEND_AFTER = timedelta(minutes=1)
MAILS_PER_HOUR = 5  # per account
# Wrong guesses allowed per account and per contact: (period, how many).
GUESS_LIMITS = ((timedelta(hours=1), 5), (timedelta(days=1), 20))
KEEP_ATTEMPTS = timedelta(days=1)


class Attempt(StrEnum):
    MAIL = "mail"
    WRONG = "wrong"


def _hash(code: str, salt: str) -> str:
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def _matches(code: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(_hash(code, salt), stored)


async def _count(session: AsyncSession, kind: Attempt, since: datetime, *,
                 telegram_id: int | None = None, person_id: int | None = None) -> int:
    query = select(func.count()).select_from(LinkAttempt).where(
        LinkAttempt.kind == kind, col(LinkAttempt.at) > since)
    if telegram_id is not None:
        query = query.where(LinkAttempt.telegram_id == telegram_id)
    if person_id is not None:
        query = query.where(LinkAttempt.person_id == person_id)
    return (await session.exec(query)).one()


async def guesses_left(session: AsyncSession, *, telegram_id: int, person_id: int,
                       now: datetime) -> tuple[int, timedelta]:
    """Wrong guesses still allowed (per account and per contact, the tighter), and the period
    of the limit that binds."""
    rooms = [(limit - await _count(session, Attempt.WRONG, now - period, **who), period)
             for period, limit in GUESS_LIMITS
             for who in ({"telegram_id": telegram_id}, {"person_id": person_id})]
    left = min(room for room, _ in rooms)
    binding = max((period for room, period in rooms if room <= 0), default=GUESS_LIMITS[0][0])
    return max(left, 0), binding


async def _record(session: AsyncSession, kind: Attempt, telegram_id: int, person_id: int,
                  now: datetime) -> None:
    await session.exec(delete(LinkAttempt).where(  # type: ignore[call-overload]
        col(LinkAttempt.at) <= now - KEEP_ATTEMPTS))
    session.add(LinkAttempt(telegram_id=telegram_id, person_id=person_id, kind=kind, at=now))
    await session.flush()


async def _may_mail(session: AsyncSession, telegram_id: int, person_id: int,
                    now: datetime) -> bool:
    """Whether a code may be mailed now: the mail limits, and no lock-out for wrong guesses."""
    recent = now - RESEND_AFTER
    if await _count(session, Attempt.MAIL, recent, telegram_id=telegram_id):
        return False
    if await _count(session, Attempt.MAIL, recent, person_id=person_id):
        return False
    hourly = await _count(session, Attempt.MAIL, now - timedelta(hours=1), telegram_id=telegram_id)
    if hourly >= MAILS_PER_HOUR:
        return False
    left, _ = await guesses_left(session, telegram_id=telegram_id, person_id=person_id, now=now)
    return left > 0


@dataclass(frozen=True)
class IssuedCode:
    person: Person
    code: str
    created_at: datetime


async def issue_code(
    session: AsyncSession, *, email: str, telegram_id: int, now: datetime
) -> IssuedCode | None:
    """A new code for the contact with this email, or None (unknown address, asked too often,
    or locked out for wrong guesses).

    Callers answer the same in every case, so addresses cannot be probed.
    """
    person = (await session.exec(select(Person).where(
        Person.email == email.lower(), Person.active == True))).first()  # noqa: E712
    if person is None:
        return None
    assert person.id is not None
    if not await _may_mail(session, telegram_id, person.id, now):
        return None
    # One code per account: a new one replaces the old (the attempts above are kept).
    await session.exec(delete(LinkCode).where(  # type: ignore[call-overload]
        col(LinkCode.telegram_id) == telegram_id))
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(LinkCode(person_id=person.id, telegram_id=telegram_id,
                         code_hash=_hash(code, secrets.token_hex(8)),
                         expires_at=now + LIFETIME, created_at=now))
    await _record(session, Attempt.MAIL, telegram_id, person.id, now)
    return IssuedCode(person, code, now)


class Verification(StrEnum):
    LINKED = "linked"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"  # wrong guesses: wait an hour
    TOO_MANY_TODAY = "too_many_today"  # wrong guesses: wait a day
    NONE_PENDING = "none_pending"


@dataclass(frozen=True)
class VerifyResult:
    outcome: Verification
    person: Person | None = None
    tries_left: int = 0


async def _locked_out(session: AsyncSession, pending: LinkCode, now: datetime) -> VerifyResult:
    """The code is dropped: no guess is checked until the limit's period has passed."""
    await session.delete(pending)
    await session.flush()
    _, period = await guesses_left(session, telegram_id=pending.telegram_id,
                                   person_id=pending.person_id, now=now)
    return VerifyResult(Verification.TOO_MANY if period <= timedelta(hours=1)
                        else Verification.TOO_MANY_TODAY)


async def verify_code(
    session: AsyncSession, *, telegram_id: int, code: str, now: datetime
) -> VerifyResult:
    """Check a code this Telegram user asked for (their one code); link the account when right."""
    pending = (await session.exec(
        select(LinkCode).where(LinkCode.telegram_id == telegram_id))).first()
    if pending is None:
        return VerifyResult(Verification.NONE_PENDING)
    if pending.expires_at <= now:
        await session.delete(pending)
        await session.flush()
        return VerifyResult(Verification.EXPIRED)
    ids = {"telegram_id": telegram_id, "person_id": pending.person_id}
    left, _ = await guesses_left(session, **ids, now=now)
    if left <= 0:
        return await _locked_out(session, pending, now)
    if _matches(code, pending.code_hash):
        person = await session.get(Person, pending.person_id)
        assert person is not None
        await _link(session, person, telegram_id, now)
        # Every code for this contact or from this account ends (someone else's included).
        await session.exec(delete(LinkCode).where(  # type: ignore[call-overload]
            or_(col(LinkCode.telegram_id) == telegram_id,
                col(LinkCode.person_id) == pending.person_id)))
        await session.flush()
        return VerifyResult(Verification.LINKED, person)
    await _record(session, Attempt.WRONG, telegram_id, pending.person_id, now)
    left, _ = await guesses_left(session, **ids, now=now)
    if left <= 0:
        return await _locked_out(session, pending, now)
    return VerifyResult(Verification.WRONG, tries_left=left)


async def _link(session: AsyncSession, person: Person, telegram_id: int, now: datetime) -> None:
    """Link the account; a Telegram id belongs to one contact, so an older link moves."""
    other = (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).first()
    if other is not None and other.id != person.id:
        other.telegram_id = None
        session.add(other)
        await session.flush()
        await audit.record(session, at=now, actor=telegram_id, action=AuditAction.PERSON_UNLINK,
                           subject=other.email, before={"telegram_id": telegram_id},
                           after={"telegram_id": None})
    before = person.telegram_id
    person.telegram_id = telegram_id
    session.add(person)
    await session.flush()
    await audit.record(session, at=now, actor=telegram_id, action=AuditAction.PERSON_LINK,
                       subject=person.email, before={"telegram_id": before},
                       after={"telegram_id": telegram_id})
