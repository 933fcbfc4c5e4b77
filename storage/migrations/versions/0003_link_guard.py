"""link guard: one code per account, attempts counted per account and per contact

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30 21:10:00

Link codes live 15 minutes, so the table is rebuilt rather than altered: a code pending during
the upgrade is lost and its owner sends /link again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import storage.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkcode_telegram_id'))
    op.drop_table('linkcode')
    op.create_table('linkcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkcode_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkcode_telegram_id'), ['telegram_id'], unique=True)
    op.create_table('linkattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('linkattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkattempt_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkattempt_telegram_id'), ['telegram_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('linkattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkattempt_telegram_id'))
        batch_op.drop_index(batch_op.f('ix_linkattempt_person_id'))
        batch_op.drop_index(batch_op.f('ix_linkattempt_at'))
    op.drop_table('linkattempt')
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkcode_telegram_id'))
        batch_op.drop_index(batch_op.f('ix_linkcode_person_id'))
    op.drop_table('linkcode')
    op.create_table('linkcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id')
    )
    with op.batch_alter_table('linkcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkcode_telegram_id'), ['telegram_id'], unique=False)
