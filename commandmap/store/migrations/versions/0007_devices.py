"""device tokens: one row per phone, its token kept only as a hash; per-fix attributes

`officer.device_token` held tokens in plain text and nothing checked them: it is
dropped (a stolen copy of the store must not let anyone report positions). Each
phone now has a `device` row bound to one officer, whose token is stored as its
SHA-256 (the token is 256 random bits, so a plain hash cannot be brute-forced;
a slow KDF would only cost every request time). `position_fix.attributes` keeps
what a phone sent beyond the columns (battery, mock, alarm, cell, ...).

Revision ID: 0007_devices
Revises: 0006_practices
Create Date: 2026-12-03 11:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007_devices'
down_revision = '0006_practices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('battery_pct', sa.Float(), nullable=True),
    sa.Column('charging', sa.Boolean(), nullable=True),
    sa.Column('mock_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_device_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device')),
    sa.UniqueConstraint('device_id', name=op.f('uq_device_device_id')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_device_token_sha256'))
    )
    op.create_index(op.f('ix_device_officer_id'), 'device', ['officer_id'], unique=False)
    op.add_column('position_fix', sa.Column('attributes', sa.JSON(), nullable=True))
    # plain ALTER (SQLite >= 3.35): a batch copy of `officer` would trip the foreign keys pointing at it
    op.execute('ALTER TABLE officer DROP COLUMN device_token')


def downgrade() -> None:
    op.add_column('officer', sa.Column('device_token', sa.String(length=128), nullable=True))
    op.execute('ALTER TABLE position_fix DROP COLUMN attributes')
    op.drop_index(op.f('ix_device_officer_id'), table_name='device')
    op.drop_table('device')
