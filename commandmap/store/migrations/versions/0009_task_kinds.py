"""tasks without an incident: joint inspections and move-ups are dispatched as tasks

`task` gains `kind` (incident / inspection / move_up), `plan_id` (the inspection
plan a team member is sent for) and `target_lon`/`target_lat` (where a task
without an incident sends the officer); `incident_id` becomes nullable.

Why one task table with a kind, not a separate assignment table: the race-safety
of dispatch rests on the officer's conditional transition (available →
dispatched) *and* the partial unique index "one open task per officer"; with a
second table an officer could hold an open inspection and an open incident task
at once, and every reader that follows an officer (the simulator that drives
them, arrival detection, the roster, the live snapshot's routes, replay) would
have to read two tables. With one table they keep working; the readers that must
not count these tasks — the response KPIs, SLA clocks, incident exports — join
`task` to `incident`, which an inspection or move-up task does not have, so they
leave them out by construction (tests prove the KPIs unchanged).

Revision ID: 0009_task_kinds
Revises: 0008_users_audit
Create Date: 2026-12-03 13:50:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0009_task_kinds'
down_revision = '0008_users_audit'
branch_labels = None
depends_on = None

_OPEN = "status IN ('dispatched','acknowledged','en_route','on_scene')"


def _open_task_index() -> None:
    op.create_index('uq_task_open_officer', 'task', ['officer_id'], unique=True,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:   # the table is rebuilt there: the partial index is put back explicitly afterwards
        op.drop_index('uq_task_open_officer', table_name='task')
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), server_default='incident', nullable=False))
        batch.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('target_lon', sa.Float(), nullable=True))
        batch.add_column(sa.Column('target_lat', sa.Float(), nullable=True))
        batch.alter_column('incident_id', existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(op.f('fk_task_plan_id_inspection_plan'), 'inspection_plan', ['plan_id'], ['id'])
    if sqlite:
        _open_task_index()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.execute("DELETE FROM task WHERE incident_id IS NULL")
    if sqlite:
        op.drop_index('uq_task_open_officer', table_name='task')
    with op.batch_alter_table('task') as batch:
        batch.drop_constraint(op.f('fk_task_plan_id_inspection_plan'), type_='foreignkey')
        batch.alter_column('incident_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('target_lat')
        batch.drop_column('target_lon')
        batch.drop_column('plan_id')
        batch.drop_column('kind')
    if sqlite:
        _open_task_index()
