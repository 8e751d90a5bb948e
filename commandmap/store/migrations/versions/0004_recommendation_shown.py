"""recommendations shown to dispatchers (candidates, ETAs, who was sent) for replay and review

Revision ID: 0004_recommendation_shown
Revises: 0002_position_batch
Create Date: 2026-12-03 11:30:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004_recommendation_shown'
down_revision = '0003_position_fix_by_day'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recommendation_shown',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seat', sa.String(length=64), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('widened', sa.Boolean(), nullable=False),
    sa.Column('target_s', sa.Float(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('left_out', sa.JSON(), nullable=False),
    sa.Column('chosen_officer_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chosen_officer_id'], ['officer.id'],
                            name=op.f('fk_recommendation_shown_chosen_officer_id_officer')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_recommendation_shown_incident_id_incident')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_recommendation_shown_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_shown'))
    )
    op.create_index('ix_recommendation_shown_at', 'recommendation_shown', ['at'], unique=False)
    op.create_index('ix_recommendation_shown_incident_at', 'recommendation_shown', ['incident_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_recommendation_shown_incident_at', table_name='recommendation_shown')
    op.drop_index('ix_recommendation_shown_at', table_name='recommendation_shown')
    op.drop_table('recommendation_shown')
