"""users who log in (scrypt password hashes, lock-out); the audit table made append-only

`app_user` gains a password hash (scrypt, memory-hard), a failed-login count
and a lock. `audit_event` refuses UPDATE and DELETE (triggers on both
backends; on PostgreSQL also TRUNCATE, and the privileges are revoked from
PUBLIC): rewriting history needs DDL rights on top of SQL access, and even
then the keyed chain and its anchor (outside the database) give it away.

Revision ID: 0008_users_audit
Revises: 0007_devices
Create Date: 2026-12-03 12:10:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0008_users_audit'
down_revision = '0007_devices'
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP;
END
$$"""


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:   # 'audit_administrator' needs more than 16
        batch.alter_column('role', type_=sa.String(length=32), existing_type=sa.String(length=16),
                           existing_nullable=False)
    op.add_column('app_user', sa.Column('password_hash', sa.String(length=256), nullable=True))
    op.add_column('app_user', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('app_user', sa.Column('locked', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('app_user', sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC")
    else:
        for what in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_event_no_{what.lower()} BEFORE {what} ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, 'audit_event is append-only ({what} refused)'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    for col in ('created_at', 'locked', 'failed_logins', 'password_hash'):
        op.execute(f'ALTER TABLE app_user DROP COLUMN {col}')
