"""One-time codes that link a Telegram account to a contact.

Only a salted hash of a code is stored. A code lives 15 minutes and survives 5 wrong tries; a new
request replaces the person's previous code (one at a time), but not more than once a minute so
that nobody can flood a contact's mailbox.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.audit import AuditAction
from storage.models import LinkCode, Person

LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5
RESEND_AFTER = timedelta(minutes=1)


def _hash(code: str, salt: str) -> str:
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def _matches(code: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(_hash(code, salt), stored)


@dataclass(frozen=True)
class IssuedCode:
    person: Person
    code: str
    created_at: datetime


async def issue_code(
    session: AsyncSession, *, email: str, telegram_id: int, now: datetime
) -> IssuedCode | None:
    """A new code for the contact with this email, or None (unknown address, or asked too often).

    Callers answer the same in every case, so addresses cannot be probed.
    """
    person = (await session.exec(select(Person).where(
        Person.email == email.lower(), Person.active == True))).first()  # noqa: E712
    if person is None:
        return None
    existing = (await session.exec(
        select(LinkCode).where(LinkCode.person_id == person.id))).first()
    if existing is not None:
        if existing.created_at > now - RESEND_AFTER:
            return None
        await session.delete(existing)
        await session.flush()
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(LinkCode(person_id=person.id, telegram_id=telegram_id,
                         code_hash=_hash(code, secrets.token_hex(8)),
                         expires_at=now + LIFETIME, created_at=now))
    await session.flush()
    return IssuedCode(person, code, now)


class Verification(StrEnum):
    LINKED = "linked"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"
    NONE_PENDING = "none_pending"


@dataclass(frozen=True)
class VerifyResult:
    outcome: Verification
    person: Person | None = None
    tries_left: int = 0


async def verify_code(
    session: AsyncSession, *, telegram_id: int, code: str, now: datetime
) -> VerifyResult:
    """Check a code this Telegram user asked for; link the account when it is right."""
    pending = list((await session.exec(
        select(LinkCode).where(LinkCode.telegram_id == telegram_id)
        .order_by(col(LinkCode.created_at).desc()))).all())
    if not pending:
        return VerifyResult(Verification.NONE_PENDING)
    live = [c for c in pending if c.expires_at > now]
    for stale in pending:
        if stale not in live:
            await session.delete(stale)
    if not live:
        await session.flush()
        return VerifyResult(Verification.EXPIRED)
    for candidate in live:
        if _matches(code, candidate.code_hash):
            person = await session.get(Person, candidate.person_id)
            assert person is not None
            await _link(session, person, telegram_id, now)
            await session.exec(delete(LinkCode).where(  # type: ignore[call-overload]
                col(LinkCode.telegram_id) == telegram_id))
            await session.flush()
            return VerifyResult(Verification.LINKED, person)
    tries_left = 0
    for candidate in live:
        candidate.tries += 1
        if candidate.tries >= MAX_TRIES:
            await session.delete(candidate)
        else:
            session.add(candidate)
            tries_left = max(tries_left, MAX_TRIES - candidate.tries)
    await session.flush()
    if tries_left == 0:
        return VerifyResult(Verification.TOO_MANY)
    return VerifyResult(Verification.WRONG, tries_left=tries_left)


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
