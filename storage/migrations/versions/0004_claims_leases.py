"""claims and leases: outbox rows and scheduled runs carry an owner (several instances)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-30 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))
    with op.batch_alter_table('scheduledrun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
    # A database that has run before keeps catching up missed digests: its first start is taken
    # as its first recorded run (a new database gets the marker at its first start).
    op.execute(
        "INSERT INTO scheduledrun (job, scheduled_for, ran_at, outcome) "
        "SELECT 'first-start', MIN(ran_at), MIN(ran_at), 'the database''s first start' "
        "FROM scheduledrun HAVING COUNT(*) > 0"
    )


def downgrade() -> None:
    op.execute("DELETE FROM scheduledrun WHERE job = 'first-start'")
    with op.batch_alter_table('scheduledrun', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
