"""The audit chain: keyed, linked, anchored outside the database, append-only inside it.

hash = HMAC-SHA256(key, prev_hash + canonical JSON of the row), with the key in
a file the database never sees (`audit_key`): editing, deleting or inserting any
row breaks its link or its MAC, and recomputing the later hashes needs the key,
so SQL access alone cannot rewrite history. After every audit write the new
head is appended to an anchor file (also outside the database), so cutting
rows off the END is found too. The database refuses UPDATE and DELETE on the
table (triggers; on PostgreSQL also revoked privileges), so tampering needs
DDL rights on top. Appends hold the journal lock (PostgreSQL) or the SQLite
write lock, so two writers never fork the chain. Times are stored and hashed
as UTC; naive datetimes are taken as UTC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, func, select

from .audit_key import AuditKeyring
from .journal import hold_journal_lock
from .schema import audit_event, city_meta

GENESIS_HASH = "0" * 64
STORE_ID_KEY = "audit_store_id"
_PENDING = "commandmap_audit_pending"


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    checked: int                 # rows read (including the first bad one)
    first_bad_id: int | None
    reason: str = ""


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _canonical_detail(detail: dict[str, Any]) -> Any:
    """What the store will give back: JSON types only, string keys."""
    if not isinstance(detail, dict):
        raise TypeError(f"audit detail must be a dict, not {type(detail).__name__}")
    return json.loads(json.dumps(detail, ensure_ascii=False, allow_nan=False))


def row_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: int,
             detail: Any, key: bytes | None = None) -> str:
    """The chain's MAC of one row (public so exports can be re-verified by whoever holds the key).
    Without a key it is a plain SHA-256, which anyone can recompute: only for tests of the format."""
    body = {
        "at": _utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor, "action": action, "entity": entity, "entity_id": int(entity_id),
        "detail": detail, "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    message = prev_hash.encode("ascii") + canonical.encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def store_id(conn: Connection, *, create: bool = False) -> str | None:
    """This store's name for its key and anchor files (created with its first audit row)."""
    found = conn.execute(select(city_meta.c.value).where(city_meta.c.key == STORE_ID_KEY)).scalar()
    if found is None and create:
        found = uuid.uuid4().hex
        conn.execute(city_meta.insert().values(key=STORE_ID_KEY, value=found))
    return found


def _tail(conn: Connection) -> tuple[int, str]:
    last = conn.execute(select(audit_event.c.id, audit_event.c.hash).order_by(audit_event.c.id.desc()).limit(1)).first()
    return (int(last.id), last.hash) if last is not None else (0, GENESIS_HASH)


# -- anchoring at commit ---------------------------------------------------------------------------
def _on_commit(conn: Connection) -> None:
    pending = conn.info.pop(_PENDING, None)
    if pending is not None:
        keyring, sid, row_id, digest, at = pending
        keyring.anchor(sid, row_id, digest, at)


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def _watch(conn: Connection) -> None:
    """Anchor the head as the transaction commits (not before: a rolled-back row must not be anchored).
    The line is written in the commit hook, just before the database's own commit: a commit failing
    after it (disk full, lost connection) leaves an anchor naming a row that is not there, which verify
    reports, as it must, until an administrator looks."""
    if not event.contains(conn, "commit", _on_commit):
        event.listen(conn, "commit", _on_commit)
        event.listen(conn, "rollback", _on_rollback)


def append_audit(conn: Connection, actor: str, action: str, entity: str, entity_id: int,
                 detail: dict[str, Any], at: datetime | None = None, *,
                 keyring: AuditKeyring | None = None) -> str:
    """Append one audit row in the caller's transaction; returns its hash. The head is anchored when
    the transaction commits."""
    when = _utc(at or datetime.now(UTC))
    clean = _canonical_detail(detail)
    ring = keyring or AuditKeyring.for_url(conn.engine.url)
    hold_journal_lock(conn)
    sid = store_id(conn, create=True)
    assert sid is not None
    key = ring.key(sid, create=True)
    _, prev = _tail(conn)
    digest = row_hash(prev, when, actor, action, entity, entity_id, clean, key=key)
    pk = conn.execute(audit_event.insert().values(
        at=when, actor=actor, action=action, entity=entity, entity_id=int(entity_id),
        detail=clean, prev_hash=prev, hash=digest)).inserted_primary_key
    assert pk is not None
    _watch(conn)
    conn.info[_PENDING] = (ring, sid, int(pk[0]), digest, when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return digest


def verify_audit_chain(conn: Connection, batch: int = 5_000, *, keyring: AuditKeyring | None = None) -> AuditCheck:
    """Walk the chain in id order; stop at the first row whose link or MAC is wrong; then check the anchored
    head is still there (rows cut off the end)."""
    ring = keyring or AuditKeyring.for_url(conn.engine.url)
    sid = store_id(conn)
    key = ring.key(sid, create=False) if sid is not None else None
    total = int(conn.execute(select(func.count()).select_from(audit_event)).scalar_one())
    if total and key is None:
        return AuditCheck(False, 0, None, "no audit key for this store on this machine: the chain cannot be checked")
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = None
    seen: dict[int, str] = {}
    anchor = ring.head(sid) if sid is not None else None
    while True:
        query = select(audit_event).order_by(audit_event.c.id).limit(batch)
        if last_id is not None:
            query = query.where(audit_event.c.id > last_id)
        rows = conn.execute(query).all()
        if not rows:
            break
        for r in rows:
            checked += 1
            recomputed = row_hash(r.prev_hash, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail, key=key)
            if r.prev_hash != expected_prev:
                return AuditCheck(False, checked, int(r.id), "its link does not name the previous row's hash")
            if not hmac.compare_digest(r.hash, recomputed):
                return AuditCheck(False, checked, int(r.id), "its content does not match its keyed hash")
            expected_prev = r.hash
            if anchor is not None and int(r.id) == anchor.row_id:
                seen[anchor.row_id] = r.hash
        last_id = rows[-1].id
    if anchor is not None:
        if anchor.row_id not in seen:
            return AuditCheck(False, checked, anchor.row_id,
                              f"the anchored head (row {anchor.row_id}) is gone: rows were deleted from the end")
        if seen[anchor.row_id] != anchor.hash:
            return AuditCheck(False, checked, anchor.row_id, "the anchored head's hash differs")
    return AuditCheck(True, checked, None)


def audit_head(conn: Connection) -> tuple[int, str]:
    """(row id, hash) of the chain's last row, (0, genesis) for an empty chain: print it for safekeeping."""
    return _tail(conn)
