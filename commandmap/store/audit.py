"""The audit chain: every row's hash covers the previous row's hash.

hash = sha256(prev_hash + canonical JSON of the row), so editing, deleting or
re-ordering any row breaks every later link and `verify_audit_chain` names
the first bad row. Appends hold the journal lock (PostgreSQL) or the SQLite
write lock, so two writers can never both extend the same tail and fork the
chain. Times are stored and hashed as UTC; naive datetimes are taken as UTC.
(Cutting rows off the END is invisible to the chain itself; anchor the
latest hash outside the store if that matters.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from .journal import hold_journal_lock
from .schema import audit_event

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    checked: int                 # rows read (including the first bad one)
    first_bad_id: int | None


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _canonical_detail(detail: dict[str, Any]) -> Any:
    """What the store will give back: JSON types only, string keys."""
    if not isinstance(detail, dict):
        raise TypeError(f"audit detail must be a dict, not {type(detail).__name__}")
    return json.loads(json.dumps(detail, ensure_ascii=False, allow_nan=False))


def row_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: int,
             detail: Any) -> str:
    """The chain's hash of one row (public so exports can be re-verified elsewhere)."""
    body = {
        "at": _utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor, "action": action, "entity": entity, "entity_id": int(entity_id),
        "detail": detail, "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(prev_hash.encode("ascii") + canonical.encode("utf-8")).hexdigest()


def _tail_hash(conn: Connection) -> str:
    last = conn.execute(select(audit_event.c.hash).order_by(audit_event.c.id.desc()).limit(1)).scalar()
    return last or GENESIS_HASH


def append_audit(conn: Connection, actor: str, action: str, entity: str, entity_id: int,
                 detail: dict[str, Any], at: datetime | None = None) -> str:
    """Append one audit row in the caller's transaction; returns its hash."""
    when = _utc(at or datetime.now(UTC))
    clean = _canonical_detail(detail)
    hold_journal_lock(conn)
    prev = _tail_hash(conn)
    digest = row_hash(prev, when, actor, action, entity, entity_id, clean)
    conn.execute(audit_event.insert().values(
        at=when, actor=actor, action=action, entity=entity, entity_id=int(entity_id),
        detail=clean, prev_hash=prev, hash=digest))
    return digest


def verify_audit_chain(conn: Connection, batch: int = 5_000) -> AuditCheck:
    """Walk the chain in id order; stop at the first row whose link or hash is wrong."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = None
    while True:
        query = select(audit_event).order_by(audit_event.c.id).limit(batch)
        if last_id is not None:
            query = query.where(audit_event.c.id > last_id)
        rows = conn.execute(query).all()
        if not rows:
            return AuditCheck(True, checked, None)
        for r in rows:
            checked += 1
            recomputed = row_hash(r.prev_hash, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail)
            if r.prev_hash != expected_prev or r.hash != recomputed:
                return AuditCheck(False, checked, int(r.id))
            expected_prev = r.hash
        last_id = rows[-1].id
