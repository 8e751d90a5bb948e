"""the four practices: past inspections, conflicts of interest, grid whistles, plan detail

inspection_record holds inspections done (the 双随机 exclusion rule and the KPIs read
it); conflict_of_interest the declared officer/site conflicts; whistle the acceptance
clock of grid-raised incidents (网格吹哨、镇队报到) and their escalation; inspection_plan
gains a JSON `detail` (team, route, visits avoided; a draw's filter and registry version).

Numbered 0005 and chained on 0002 here: at merge, set down_revision to the head then
(0004), as two other revisions (0003, 0004) land concurrently.

Revision ID: 0005_practices
Revises: 0005_city_import
Create Date: 2026-12-03 11:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006_practices'
down_revision = '0005_city_import'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inspection_plan') as batch:
        batch.add_column(sa.Column('detail', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('inspection_plan') as batch:
        batch.alter_column('detail', server_default=None)
    op.create_table('inspection_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('officer_ids', sa.JSON(), nullable=False),
    sa.Column('visits_replaced', sa.Integer(), server_default='1', nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_inspection_record_plan_id_inspection_plan')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_inspection_record_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_record'))
    )
    op.create_index(op.f('ix_inspection_record_inspected_at'), 'inspection_record', ['inspected_at'], unique=False)
    op.create_index(op.f('ix_inspection_record_site_id'), 'inspection_record', ['site_id'], unique=False)
    op.create_table('conflict_of_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=128), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_conflict_of_interest_officer_id_officer')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_conflict_of_interest_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_of_interest')),
    sa.UniqueConstraint('officer_id', 'site_id', name=op.f('uq_conflict_of_interest_officer_id_site_id'))
    )
    op.create_index(op.f('ix_conflict_of_interest_officer_id'), 'conflict_of_interest', ['officer_id'], unique=False)
    op.create_table('whistle',
    sa.Column('incident_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('raised_by', sa.String(length=64), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accept_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=64), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_reason', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_whistle_district_id_district')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_whistle_grid_id_grid')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_whistle_incident_id_incident')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_whistle_town_id_town')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_whistle'))
    )
    op.create_index(op.f('ix_whistle_accept_due_at'), 'whistle', ['accept_due_at'], unique=False)
    op.create_index(op.f('ix_whistle_town_id'), 'whistle', ['town_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_whistle_town_id'), table_name='whistle')
    op.drop_index(op.f('ix_whistle_accept_due_at'), table_name='whistle')
    op.drop_table('whistle')
    op.drop_index(op.f('ix_conflict_of_interest_officer_id'), table_name='conflict_of_interest')
    op.drop_table('conflict_of_interest')
    op.drop_index(op.f('ix_inspection_record_site_id'), table_name='inspection_record')
    op.drop_index(op.f('ix_inspection_record_inspected_at'), table_name='inspection_record')
    op.drop_table('inspection_record')
    with op.batch_alter_table('inspection_plan') as batch:
        batch.drop_column('detail')
