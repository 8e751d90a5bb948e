"""Race-safe state changes: the domain's transition table turned into one conditional UPDATE.

`UPDATE t SET status = CASE status WHEN <from> THEN <to> … END, version = version + 1
WHERE id = :id AND status IN (<froms>) [AND version = :v]` either moves the row
exactly as `commandmap.domain.transitions` allows, or touches nothing (rowcount 0)
because another seat got there first. Both backends decide it at the row:
SQLite by its write lock, PostgreSQL by re-checking the WHERE after the row lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, case

from ..domain.transitions import INCIDENT_EVENTS, OFFICER_EVENTS, TASK_EVENTS

MACHINES: dict[str, Mapping[str, Mapping[Any, Any]]] = {
    "officer": OFFICER_EVENTS, "incident": INCIDENT_EVENTS, "task": TASK_EVENTS,
}


def transition(conn: Connection, table: Table, row_id: int, event: str, *, version: int | None = None,
               extra_where: Any = None, values: Mapping[str, Any] | None = None) -> bool:
    """Apply `event` to row `row_id` of `table` if the machine allows it from the row's state now.

    Returns False (nothing changed) when the row is missing, in a state the event does
    not apply to, or no longer at `version`.
    """
    moves = MACHINES[table.name].get(event)
    if not moves:
        raise ValueError(f"{table.name}: unknown event {event!r}")
    froms = [str(s) for s in moves]
    target = case({str(a): str(b) for a, b in moves.items()}, value=table.c.status)
    stmt = (table.update().where(table.c.id == row_id, table.c.status.in_(froms))
            .values(status=target, version=table.c.version + 1, **dict(values or {})))
    if version is not None:
        stmt = stmt.where(table.c.version == version)
    if extra_where is not None:
        stmt = stmt.where(extra_where)
    return conn.execute(stmt).rowcount == 1
