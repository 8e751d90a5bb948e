"""imported cities: a site's registry id, and retirement instead of deletion

A re-imported roster or registry matches officers by badge and sites by their
registry id (`site.external_id`); rows that left are retired (`retired_at`),
never deleted, so their tasks, fixes, inspections and audit rows stay.

Revision ID: 0004_city_import
Revises: 0004_recommendation_shown
Create Date: 2026-12-03 11:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005_city_import'
down_revision = '0004_recommendation_shown'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and CREATE INDEX: no table rebuild on SQLite, no rewrite on PostgreSQL
    op.add_column('officer', sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('site', sa.Column('external_id', sa.String(length=64), nullable=True))
    op.add_column('site', sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('uq_site_external_id', 'site', ['external_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_site_external_id', table_name='site')
    with op.batch_alter_table('site') as batch:
        batch.drop_column('retired_at')
        batch.drop_column('external_id')
    with op.batch_alter_table('officer') as batch:
        batch.drop_column('retired_at')
