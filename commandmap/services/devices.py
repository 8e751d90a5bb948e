"""Device tokens: which phone may report positions for which officer.

A token is 32 random bytes (urlsafe base64), shown once when the device is
added and stored only as its SHA-256: the store alone never lets anyone report
a position. A token is bound to one device id and, through it, to one
officer; a request whose token belongs to another device is refused exactly
like a wrong or revoked one. A plain hash (not a slow KDF) is enough for 256
random bits, and keeps checking a token per request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select, update

from ..domain.access import Actor, Permission
from ..errors import UserError
from ..store.audit import append_audit
from ..store.schema import device, officer
from .authz import require

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    officer_id: int
    badge: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    battery_pct: float | None


def _officer_id(conn: Connection, officer_ref: str) -> int:
    ref = officer_ref.strip()
    cond = officer.c.badge == ref
    if ref.isdigit():
        cond = cond | (officer.c.id == int(ref))
    found = conn.execute(select(officer.c.id).where(cond)).scalars().all()
    if len(found) != 1:
        raise UserError(f"officer: no officer has badge or id {officer_ref!r}")
    return int(found[0])


def add_device(engine: Engine, device_id: str, officer_ref: str, *, actor: Actor | str) -> str:
    """Register `device_id` for an officer (badge or id); returns the token, which is shown once and never
    stored. Needs the manage-devices permission (a denial is audited)."""
    ident = device_id.strip()
    who = require(engine, actor, Permission.MANAGE_DEVICES, "device", 0, {"device_id": ident[:64]})
    if not ident or len(ident) > 64 or any(c.isspace() for c in ident):
        raise UserError(f"device id: {device_id!r} must be 1-64 characters without spaces")
    with engine.begin() as conn:
        return _add(conn, ident, officer_ref, who.label)


def _add(conn: Connection, ident: str, officer_ref: str, actor: str, officer_id: int | None = None) -> str:
    oid = officer_id if officer_id is not None else _officer_id(conn, officer_ref)
    if conn.execute(select(device.c.id).where(device.c.device_id == ident)).first() is not None:
        raise UserError(f"device id: {ident!r} is already registered (revoke it first to replace its token)")
    token = new_token()
    key = conn.execute(device.insert().values(device_id=ident, officer_id=oid, token_sha256=token_hash(token),
                                              created_at=datetime.now(UTC), created_by=actor)).inserted_primary_key
    assert key is not None
    append_audit(conn, actor, "device.add", "device", int(key[0]), {"device_id": ident, "officer_id": oid})
    return token


def revoke_device(engine: Engine, device_id: str, *, actor: Actor | str) -> None:
    """Revoke a device's token; the row (and its history) stays. A revoked id may be added again."""
    who = require(engine, actor, Permission.MANAGE_DEVICES, "device", 0, {"device_id": device_id[:64]})
    with engine.begin() as conn:
        _revoke(conn, device_id, who.label)


def _revoke(conn: Connection, device_id: str, actor: str) -> None:
    row = conn.execute(select(device.c.id, device.c.revoked_at).where(device.c.device_id == device_id)).first()
    if row is None:
        raise UserError(f"device id: no device {device_id!r}")
    if row.revoked_at is not None:
        raise UserError(f"device id: {device_id!r} is already revoked")
    now = datetime.now(UTC)
    # keep the row, free its id for a new token: the id becomes '<id>~revoked~<row id>'
    conn.execute(update(device).where(device.c.id == row.id)
                 .values(revoked_at=now, device_id=f"{device_id}~revoked~{row.id}"[:64]))
    append_audit(conn, actor, "device.revoke", "device", int(row.id), {"device_id": device_id})


def revoke_devices_of(conn: Connection, officer_ids: list[int], actor: str, now: datetime,
                      reason: str = "officer retired") -> int:
    """Revoke every live device of these officers inside the caller's transaction (a city import
    retiring them): a retired officer's phone must not keep reporting. Returns how many."""
    if not officer_ids:
        return 0
    rows = conn.execute(select(device.c.id, device.c.device_id, device.c.officer_id)
                        .where(device.c.officer_id.in_(officer_ids), device.c.revoked_at.is_(None))).all()
    for row in rows:
        conn.execute(update(device).where(device.c.id == row.id)
                     .values(revoked_at=now, device_id=f"{row.device_id}~revoked~{row.id}"[:64]))
        append_audit(conn, actor, "device.revoke", "device", int(row.id),
                     {"device_id": row.device_id, "officer_id": int(row.officer_id), "reason": reason})
    return len(rows)


def reissue_token(engine: Engine, device_id: str, *, actor: Actor | str) -> tuple[str, str]:
    """A NEW token for a registered device (tokens are stored only as hashes, so the old one cannot be
    shown again): the old token is revoked and a new one bound to the same officer, in one transaction.
    Returns (token, officer badge). Needs the manage-devices permission."""
    ident = device_id.strip()
    who = require(engine, actor, Permission.MANAGE_DEVICES, "device", 0, {"device_id": ident[:64]})
    with engine.begin() as conn:
        row = conn.execute(select(device.c.officer_id, officer.c.badge)
                           .join(officer, officer.c.id == device.c.officer_id)
                           .where(device.c.device_id == ident, device.c.revoked_at.is_(None))).first()
        if row is None:
            raise UserError(f"device id: no active device {device_id!r} (add it with `commandmap device add`)")
        _revoke(conn, ident, who.label)
        return _add(conn, ident, "", who.label, officer_id=int(row.officer_id)), str(row.badge)


def list_devices(conn: Connection) -> list[DeviceRow]:
    rows = conn.execute(select(device.c.device_id, device.c.officer_id, officer.c.badge, device.c.created_at,
                               device.c.revoked_at, device.c.last_seen_at, device.c.battery_pct)
                        .join(officer, officer.c.id == device.c.officer_id).order_by(device.c.id)).all()
    return [DeviceRow(r.device_id, int(r.officer_id), r.badge, r.created_at, r.revoked_at, r.last_seen_at,
                      r.battery_pct) for r in rows]


@dataclass(frozen=True)
class Grant:
    device_id: str
    officer_id: int


_VERIFIED_MAX = 200_000        # tokens remembered as verified (a bound against a flood of distinct guesses)


class DeviceDirectory:
    """The live tokens of one store, cached in memory. Every `refresh_s` one aggregate query asks whether
    the device table changed (a device added or revoked); only then are the tokens re-read, so a
    revocation takes effect within that time, and a new device within it too. Tokens already verified
    skip the hash until the next change. Thread-safe."""

    def __init__(self, engine: Engine, refresh_s: float = 2.0) -> None:
        self.engine = engine
        self.refresh_s = refresh_s
        self._by_hash: dict[str, Grant] = {}
        self._verified: dict[str, Grant] = {}       # token -> grant, emptied whenever the table changes
        self._known_ids: set[str] = set()
        self._loaded_at = -float("inf")
        self._version: tuple[object, ...] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _table_version(conn: Connection) -> tuple[object, ...]:
        """Changes whenever a device is added (count, max id) or revoked (revoked count, latest revocation)."""
        row = conn.execute(select(func.count(), func.max(device.c.id), func.count(device.c.revoked_at),
                                  func.max(device.c.revoked_at))).one()
        return tuple(row)

    def reload(self) -> None:
        with self.engine.connect() as conn:
            version = self._table_version(conn)
            rows = conn.execute(select(device.c.device_id, device.c.officer_id, device.c.token_sha256)
                                .where(device.c.revoked_at.is_(None))).all()
        by_hash = {r.token_sha256: Grant(r.device_id, int(r.officer_id)) for r in rows}
        with self._lock:
            self._by_hash = by_hash
            self._verified = {}
            self._known_ids = {g.device_id for g in by_hash.values()}
            self._version = version
            self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at < self.refresh_s:
            return
        with self.engine.connect() as conn:
            unchanged = self._version is not None and self._table_version(conn) == self._version
        if unchanged:
            self._loaded_at = time.monotonic()
        else:
            self.reload()

    def knows(self, device_id: str) -> bool:
        self._fresh()
        return device_id in self._known_ids

    def check(self, device_id: str, token: str | None) -> Grant | None:
        """The grant when `token` is the live token of `device_id`; None otherwise (one answer for a wrong,
        revoked or another device's token)."""
        if not token:
            return None
        if time.monotonic() - self._loaded_at >= self.refresh_s:
            self._fresh()
        verified = self._verified
        grant = verified.get(token)
        if grant is None:
            grant = self._by_hash.get(token_hash(token))
            if grant is None:
                return None
            if len(verified) < _VERIFIED_MAX:
                verified[token] = grant
        if not hmac.compare_digest(grant.device_id.encode(), device_id.encode()):
            return None
        return grant

    def grant(self, token: str | None) -> Grant | None:
        """The grant of a live token whatever device it names (the phone's task page has only the token);
        None for a missing, wrong or revoked token."""
        if not token or len(token) > 128:
            return None
        self._fresh()
        return self._by_hash.get(token_hash(token))
