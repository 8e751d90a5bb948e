"""The permission check every service runs before it acts, and the audit row of every denial.

A denied action writes nothing but its own audit row (in its own
transaction: the action's transaction never starts), so a viewer poking at
the dispatch service leaves a trace, not a task.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from ..domain.access import Actor, Permission, as_actor, denial
from ..errors import UserError
from ..store.audit import append_audit


class Forbidden(UserError):
    """The actor's role does not allow the action (already audited)."""


def refusal(engine: Engine, who: Actor | str, permission: Permission, entity: str, entity_id: int,
            detail: dict[str, Any] | None = None) -> str | None:
    """None when `who` may act; otherwise the one-line reason, after auditing the denial."""
    actor = as_actor(who)
    if actor.may(permission):
        return None
    reason = denial(actor, permission)
    with engine.begin() as conn:
        append_audit(conn, actor.label, "denied", entity, entity_id,
                     {"permission": permission.value, "role": actor.role.value, "outcome": "denied",
                      **(detail or {})})
    return reason


def require(engine: Engine, who: Actor | str, permission: Permission, entity: str, entity_id: int,
            detail: dict[str, Any] | None = None) -> Actor:
    """The actor when allowed; `Forbidden` (audited) otherwise."""
    reason = refusal(engine, who, permission, entity, entity_id, detail)
    if reason is not None:
        raise Forbidden(reason)
    return as_actor(who)
