"""Whether the audit chain holds, for the roles that must know (the commander, the audit administrator).

The workstation shows it in its status bar; the check itself is
`store.audit.verify_audit_chain` (every row's keyed hash and the anchored
head). Running it is not an audited action (a status indicator that wrote a
row per check would grow the chain it watches); a role without the
verify-audit permission is refused and that refusal is audited, as every
denial is.
"""

from __future__ import annotations

from sqlalchemy import Engine

from ..domain.access import Actor, Permission
from ..store.audit import AuditCheck, verify_audit_chain
from .authz import require


def may_verify_audit(actor: Actor) -> bool:
    """Whether the UI should offer the indicator at all (the service still checks)."""
    return actor.may(Permission.VERIFY_AUDIT)


def check_audit_chain(engine: Engine, actor: Actor | str) -> AuditCheck:
    """The chain's state; `authz.Forbidden` (audited) for a role that may not see it. Slow on a long
    chain (one HMAC per row): call it off the UI thread."""
    require(engine, actor, Permission.VERIFY_AUDIT, "audit", 0, {"action": "verify"})
    with engine.connect() as conn:
        return verify_audit_chain(conn)
