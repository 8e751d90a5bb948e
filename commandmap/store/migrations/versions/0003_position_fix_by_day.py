"""position_fix keyed by (officer_id, fix_time), without surrogate id and foreign key; by day on PostgreSQL

The history table grew without bound and its surrogate id and foreign key to officer cost ~40 % of a
25k-fix ingest tick on PostgreSQL. It is rebuilt keyed by (officer_id, fix_time) — the key ingest's
ON CONFLICT already used to make a duplicate fix a no-op — and, on PostgreSQL, partitioned by range
of fix_time: one partition per UTC day (`position_fix_pYYYYMMDD`), for each day the old table held
and the next two, plus a DEFAULT partition so no insert can fail. Pruning then drops whole days.
Every row is copied over (one INSERT ... SELECT, in the migration's transaction). SQLite keeps one
plain table of the same shape.

Revision ID: 0003_position_fix_by_day
Revises: 0002_position_batch
Create Date: 2026-12-03 11:30:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0003_position_fix_by_day'
down_revision = '0002_position_batch'
branch_labels = None
depends_on = None

_COLUMNS = "officer_id, lon, lat, heading_deg, speed_mps, accuracy_m, fix_time, received_at, verdict, source"


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('heading_deg', sa.Float(), nullable=True),
        sa.Column('speed_mps', sa.Float(), nullable=True),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('fix_time', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('verdict', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
    ]


def _day_partition(day: date) -> None:
    lo, hi = f"{day:%Y-%m-%d} 00:00:00+00", f"{day + timedelta(days=1):%Y-%m-%d} 00:00:00+00"
    op.execute(f"CREATE TABLE position_fix_p{day:%Y%m%d} PARTITION OF position_fix "
               f"FOR VALUES FROM ('{lo}') TO ('{hi}')")


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'
    # the old table's key and index names are schema-wide on PostgreSQL: move them out of the way
    op.rename_table('position_fix', 'position_fix_0002')
    if pg:
        op.execute('ALTER TABLE position_fix_0002 RENAME CONSTRAINT pk_position_fix TO pk_position_fix_0002')
        op.execute('ALTER TABLE position_fix_0002 RENAME CONSTRAINT uq_position_fix_officer_id_fix_time '
                   'TO uq_position_fix_0002')
        op.execute('ALTER TABLE position_fix_0002 RENAME CONSTRAINT fk_position_fix_officer_id_officer '
                   'TO fk_position_fix_0002')
    op.create_table('position_fix', *_columns(),
                    sa.PrimaryKeyConstraint('officer_id', 'fix_time', name=op.f('pk_position_fix')),
                    postgresql_partition_by='RANGE (fix_time)')
    if pg:
        op.execute('CREATE TABLE position_fix_default PARTITION OF position_fix DEFAULT')
        held = bind.execute(sa.text("SELECT DISTINCT (fix_time AT TIME ZONE 'UTC')::date FROM position_fix_0002"))
        today = datetime.now(UTC).date()
        days = {r[0] for r in held} | {today + timedelta(days=k) for k in range(3)}
        for day in sorted(days):
            _day_partition(day)
    op.execute(f'INSERT INTO position_fix ({_COLUMNS}) SELECT {_COLUMNS} FROM position_fix_0002')
    op.drop_table('position_fix_0002')


def downgrade() -> None:
    """Back to 0002's plain table with a surrogate id (rows copied in fix-time order)."""
    op.rename_table('position_fix', 'position_fix_0003')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE position_fix_0003 RENAME CONSTRAINT pk_position_fix TO pk_position_fix_0003')
    op.create_table('position_fix',
                    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                              nullable=False),
                    *_columns(),
                    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'],
                                            name=op.f('fk_position_fix_officer_id_officer')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_fix')),
                    sa.UniqueConstraint('officer_id', 'fix_time', name=op.f('uq_position_fix_officer_id_fix_time')))
    op.execute(f'INSERT INTO position_fix ({_COLUMNS}) SELECT {_COLUMNS} FROM position_fix_0003 '
               'WHERE officer_id IN (SELECT id FROM officer) ORDER BY fix_time')
    op.drop_table('position_fix_0003')  # drops its partitions too
