"""Alembic environment for CommandMap: always run programmatically.

`commandmap.store.migrate` hands us an open connection inside its own
transaction (so the version check and the upgrade are one atomic step);
there is no alembic.ini and no offline mode at run time.
"""

from __future__ import annotations

from alembic import context

from commandmap.store.fix_history import is_fix_partition
from commandmap.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - misuse, not a user path
    raise RuntimeError("run CommandMap migrations through commandmap.store.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
    # position_fix's daily partitions are created by the writers, not described in schema.py
    include_name=lambda name, kind, _parent: not (kind == "table" and name and is_fix_partition(name)),
)
with context.begin_transaction():
    context.run_migrations()
