"""The delivery worker's statements on the outbox, each built once with bound values.

A delivery run claims, reads bodies, renews and records a few hundred rows in a handful of
statements; building each statement again (an IN list of 200 ids coerced one by one, the CTE of
the claim, its cache key) and running it through the ORM cost more CPU than SQLite's work, on
the thread that also talks SMTP (issue 10: the worker against the sender alone). Built once on
the tables, they run on the session's connection; only the bound values change.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Table, bindparam, or_, select, update

from storage.models import OutboxBody, OutboxMessage, OutboxStatus

MESSAGES: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
BODIES: Table = OutboxBody.__table__  # type: ignore[attr-defined]


def due():
    """Pending, due at `now`, not leased at `lease_now`, in one of `channels` (bound)."""
    t = MESSAGES
    return (
        t.c.status == OutboxStatus.PENDING,
        t.c.next_attempt_at <= bindparam("now", type_=t.c.next_attempt_at.type),
        or_(t.c.claimed_until.is_(None),
            t.c.claimed_until <= bindparam("lease_now", type_=t.c.claimed_until.type)),
        t.c.channel.in_(bindparam("channels", expanding=True)),
    )


@cache
def claim():
    """Lease up to `limit` due rows to `owner` until `until`, returning what the worker needs.

    A CTE, evaluated once: PostgreSQL may evaluate an IN (... LIMIT n FOR UPDATE SKIP LOCKED)
    subquery more than once, each time past the rows already locked (7 rows were claimed for a
    limit of 2 that way)."""
    t = MESSAGES
    chosen = (select(t.c.id).where(*due())
              .order_by(t.c.next_attempt_at, t.c.id)
              .limit(bindparam("limit"))
              .with_for_update(skip_locked=True)
              .cte("chosen"))
    return (update(t)
            .where(t.c.id.in_(select(chosen.c.id)), *due())
            .values(claimed_until=bindparam("until", type_=t.c.claimed_until.type),
                    claimed_by=bindparam("owner", type_=t.c.claimed_by.type))
            .returning(t.c.id, t.c.key, t.c.channel, t.c.recipient, t.c.person_id, t.c.kind,
                       t.c.attempts, t.c.created_at, t.c.next_attempt_at))


@cache
def pending_with(prefixes: tuple[str, ...]):
    """(id, key) of the pending rows whose key starts with one of `prefixes` (the stale
    meeting messages are looked for among them before every delivery run)."""
    t = MESSAGES
    return select(t.c.id, t.c.key).where(
        t.c.status == OutboxStatus.PENDING,
        or_(*(t.c.key.startswith(prefix, autoescape=True) for prefix in prefixes)))


@cache
def bodies():
    """The bodies of the rows `ids`."""
    return select(BODIES.c.id, BODIES.c.body).where(
        BODIES.c.id.in_(bindparam("ids", expanding=True)))


@cache
def renew(by_owner: bool):
    """Extend to `until` the lease of the pending rows `ids` that `owner` (or nobody) holds."""
    t = MESSAGES
    holder = t.c.claimed_by == bindparam("owner") if by_owner else t.c.claimed_by.is_(None)
    return (update(t)
            .where(t.c.id.in_(bindparam("ids", expanding=True)),
                   t.c.status == OutboxStatus.PENDING, holder)
            .values(claimed_until=bindparam("until", type_=t.c.claimed_until.type)))


@cache
def sent():
    """Record the rows `ids` as sent at `now`."""
    t = MESSAGES
    return (update(t)
            .where(t.c.id.in_(bindparam("ids", expanding=True)))
            .values(status=OutboxStatus.SENT,
                    sent_at=bindparam("now", type_=t.c.sent_at.type),
                    claimed_until=None, claimed_by=None, last_error=None,
                    attempts=t.c.attempts + 1))
