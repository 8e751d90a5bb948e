"""position batches in the change feed; room for in-place updates of officer_position

A seat refreshing after a 25,000-fix tick read every officer_position row; it
now reads the tick's packed copy (position_batch, keyed by the change seq).
On PostgreSQL officer_position gets fillfactor 50 so each tick's upsert can
update rows in place (HOT: no new index entries, dead versions pruned on the
page) instead of doubling the table between vacuums; the payload column is
stored uncompressed (packed floats do not compress; trying costs CPU).

Revision ID: 0002_position_batch
Revises: 0001_initial
Create Date: 2026-12-02 01:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002_position_batch'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('position_batch',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('officers', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_position_batch'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE position_batch ALTER COLUMN payload SET STORAGE EXTERNAL')
        op.execute('ALTER TABLE officer_position SET (fillfactor = 50)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE officer_position RESET (fillfactor)')
    op.drop_table('position_batch')
