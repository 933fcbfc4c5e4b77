"""the outbox's message bodies in a table of their own

Claiming a row and recording its result change a few small columns; with the 5 KB body in the
row, SQLite rewrote the whole row (body included) each time, and read past the body to the
columns stored after it. The bodies move, unchanged, to `outboxbody` (same id).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outboxbody',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['outboxmessage.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute("INSERT INTO outboxbody (id, body) SELECT id, body FROM outboxmessage")
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35 and later): no copy of the
    # table, which other tables' foreign keys name
    op.drop_column('outboxmessage', 'body')


def downgrade() -> None:
    op.add_column('outboxmessage', sa.Column('body', sa.Text(), nullable=False,
                                             server_default=''))
    op.execute("UPDATE outboxmessage SET body = COALESCE((SELECT body FROM outboxbody "
               "WHERE outboxbody.id = outboxmessage.id), '')")
    op.drop_table('outboxbody')
