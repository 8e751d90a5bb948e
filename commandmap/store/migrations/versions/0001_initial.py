"""initial schema: the data model of DESIGN §4 (written out, so later revisions diff against it)

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-25 16:49:37.074105
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    op.create_table('change',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_change_entity'), 'change', ['entity', 'entity_id'], unique=False)
    op.create_table('city_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_city_meta'))
    )
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('population', sa.Integer(), server_default='0', nullable=False),
    sa.Column('geometry_wkb', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district')),
    sa.UniqueConstraint('code', name=op.f('uq_district_code'))
    )
    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan'))
    )
    op.create_table('road_network',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=False),
    sa.Column('crs', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_road_network')),
    sa.UniqueConstraint('name', name=op.f('uq_road_network_name'))
    )
    op.create_table('town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('geometry_wkb', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_town_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town')),
    sa.UniqueConstraint('code', name=op.f('uq_town_code'))
    )
    op.create_index(op.f('ix_town_district_id'), 'town', ['district_id'], unique=False)
    op.create_table('grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('geometry_wkb', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_grid_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_code'))
    )
    op.create_index(op.f('ix_grid_town_id'), 'grid', ['town_id'], unique=False)
    op.create_table('officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('home_town_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('device_token', sa.String(length=128), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_officer_department_id_department')),
    sa.ForeignKeyConstraint(['home_town_id'], ['town.id'], name=op.f('fk_officer_home_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer')),
    sa.UniqueConstraint('badge', name=op.f('uq_officer_badge')),
    sa.UniqueConstraint('device_id', name=op.f('uq_officer_device_id'))
    )
    op.create_index(op.f('ix_officer_department_id'), 'officer', ['department_id'], unique=False)
    op.create_index(op.f('ix_officer_home_town_id'), 'officer', ['home_town_id'], unique=False)
    op.create_index(op.f('ix_officer_status'), 'officer', ['status'], unique=False)
    op.create_table('officer_position',
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('heading_deg', sa.Float(), nullable=True),
    sa.Column('speed_mps', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('fix_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_officer_position_officer_id_officer')),
    sa.PrimaryKeyConstraint('officer_id', name=op.f('pk_officer_position'))
    )
    op.create_table('position_fix',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
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
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_position_fix_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_fix')),
    sa.UniqueConstraint('officer_id', 'fix_time', name=op.f('uq_position_fix_officer_id_fix_time'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=256), nullable=False),
    sa.Column('risk_level', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('last_inspected', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_site_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site'))
    )
    op.create_index(op.f('ix_site_category'), 'site', ['category'], unique=False)
    op.create_index(op.f('ix_site_grid_id'), 'site', ['grid_id'], unique=False)
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=2), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_incident_district_id_district')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_incident_grid_id_grid')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_incident_site_id_site')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_incident_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident')),
    sa.UniqueConstraint('code', name=op.f('uq_incident_code'))
    )
    op.create_index(op.f('ix_incident_status'), 'incident', ['status'], unique=False)
    op.create_table('inspection_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('check_items', sa.JSON(), nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_inspection_item_officer_id_officer')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_inspection_item_plan_id_inspection_plan')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_inspection_item_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_item'))
    )
    op.create_index(op.f('ix_inspection_item_plan_id'), 'inspection_item', ['plan_id'], unique=False)
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('dispatched_by', sa.String(length=64), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('predicted_eta_s', sa.Float(), nullable=False),
    sa.Column('route_lonlat', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('en_route_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_task_incident_id_incident')),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_task_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    op.create_index(op.f('ix_task_incident_id'), 'task', ['incident_id'], unique=False)
    op.create_index(op.f('ix_task_officer_id'), 'task', ['officer_id'], unique=False)
    op.create_index(op.f('uq_task_open_officer'), 'task', ['officer_id'], unique=True, sqlite_where=sa.text("status IN ('dispatched','acknowledged','en_route','on_scene')"), postgresql_where=sa.text("status IN ('dispatched','acknowledged','en_route','on_scene')"))

def downgrade() -> None:
    """Drop everything: only for throwaway stores; CommandMap never runs it itself."""
    for name in ("task", "inspection_item", "incident", "site", "position_fix", "officer_position",
                 "officer", "grid", "town", "road_network", "inspection_plan", "district",
                 "department", "city_meta", "change", "audit_event", "app_user"):
        op.drop_table(name)
