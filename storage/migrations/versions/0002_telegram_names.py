"""the name Telegram gives each user who writes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import storage.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'telegramname',
        sa.Column('telegram_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('telegram_id'),
    )


def downgrade() -> None:
    op.drop_table('telegramname')
