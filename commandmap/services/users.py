"""People who log in: accounts, scrypt password hashes, lock-out, and the login itself.

Passwords are hashed with scrypt (memory-hard: 16 MiB per guess), from the
standard library's OpenSSL binding. After `MAX_FAILURES` failed logins in a
row the account locks until an administrator unlocks it (`user lock
--unlock` or a new password). A wrong name and a wrong password get the same
answer. Every login, failure, lock and account change is audited.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update

from ..domain.access import LOGIN_ROLES, Actor, Permission, Role
from ..errors import UserError
from ..store.audit import append_audit
from ..store.schema import app_user
from .authz import require

MAX_FAILURES = 5
MIN_PASSWORD_CHARS = 10
_N, _R, _P = 2**14, 8, 1          # 128 * r * n = 16 MiB


class LoginFailed(UserError):
    """Wrong name or password, or a locked account (audited)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${enc(salt).decode()}${enc(digest).decode()}"


def check_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


_DUMMY_HASH = hash_password(secrets.token_hex(8))   # so an unknown name costs the same time as a known one


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    role: str
    locked: bool
    failed_logins: int


def _check_new(username: str, role: str, password: str) -> Role:
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise UserError(f"user name: {username!r} must be 1-64 characters without spaces")
    try:
        parsed = Role(role)
    except ValueError:
        parsed = None
    if parsed not in LOGIN_ROLES:
        raise UserError(f"role: {role!r} is not one of {', '.join(r.value for r in LOGIN_ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password: at least {MIN_PASSWORD_CHARS} characters")
    assert parsed is not None
    return parsed


def add_user(engine: Engine, username: str, role: str, password: str, *, actor: Actor | str,
             display_name: str = "") -> None:
    who = require(engine, actor, Permission.MANAGE_USERS, "user", 0, {"username": username[:64], "action": "add"})
    parsed = _check_new(username, role, password)
    hashed = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first() is not None:
            raise UserError(f"user name: {username!r} already exists")
        key = conn.execute(app_user.insert().values(username=username, display_name=display_name or username,
                                                    role=parsed.value, password_hash=hashed, failed_logins=0,
                                                    locked=False, created_at=datetime.now(UTC))).inserted_primary_key
        assert key is not None
        append_audit(conn, who.label, "user.add", "user", int(key[0]), {"username": username, "role": parsed.value})


def _user_id(conn, username: str) -> int:  # type: ignore[no-untyped-def]
    found = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).scalar()
    if found is None:
        raise UserError(f"user name: no user {username!r}")
    return int(found)


def set_password(engine: Engine, username: str, password: str, *, actor: Actor | str) -> None:
    """A new password (also unlocks the account: the administrator has checked who asked)."""
    who = require(engine, actor, Permission.MANAGE_USERS, "user", 0, {"username": username[:64], "action": "passwd"})
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password: at least {MIN_PASSWORD_CHARS} characters")
    hashed = hash_password(password)
    with engine.begin() as conn:
        uid = _user_id(conn, username)
        conn.execute(update(app_user).where(app_user.c.id == uid)
                     .values(password_hash=hashed, failed_logins=0, locked=False))
        append_audit(conn, who.label, "user.passwd", "user", uid, {"username": username})


def set_locked(engine: Engine, username: str, locked: bool, *, actor: Actor | str) -> None:
    who = require(engine, actor, Permission.MANAGE_USERS, "user", 0, {"username": username[:64], "action": "lock"})
    with engine.begin() as conn:
        uid = _user_id(conn, username)
        conn.execute(update(app_user).where(app_user.c.id == uid).values(locked=locked, failed_logins=0))
        append_audit(conn, who.label, "user.lock" if locked else "user.unlock", "user", uid, {"username": username})


def list_users(engine: Engine) -> list[UserRow]:
    with engine.connect() as conn:
        rows = conn.execute(select(app_user).order_by(app_user.c.username)).all()
    return [UserRow(r.username, r.display_name, r.role, bool(r.locked), int(r.failed_logins)) for r in rows]


def logins_required(engine: Engine) -> bool:
    """True once any account has a password: from then on every seat logs in (the app asks)."""
    with engine.connect() as conn:
        return conn.execute(select(app_user.c.id).where(app_user.c.password_hash.is_not(None)).limit(1)).first() \
            is not None


def open_store_actor(engine: Engine, seat: str) -> Actor | None:
    """The identity of a seat on a store where no account has a password yet (the demo, a fresh city):
    nobody could log in, so the seat acts as the store's commander account (the demo's `commander`),
    audited as such. None once logins are required: then a person logs in."""
    with engine.begin() as conn:
        if conn.execute(select(app_user.c.id).where(app_user.c.password_hash.is_not(None)).limit(1)).first():
            return None
        row = conn.execute(select(app_user.c.id, app_user.c.username).where(app_user.c.role == Role.COMMANDER.value)
                           .order_by(app_user.c.id).limit(1)).first()
        actor = Actor(row.username if row is not None else "commander", Role.COMMANDER, seat)
        append_audit(conn, actor.label, "login", "user", int(row.id) if row is not None else 0,
                     {"username": actor.user, "role": actor.role.value, "how": "open store: no account has a password"})
    return actor


def login(engine: Engine, username: str, password: str, *, seat: str) -> Actor:
    """The Actor for a correct name and password at `seat`; LoginFailed otherwise (audited, counted)."""
    with engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    ok = check_password(row.password_hash if row is not None else _DUMMY_HASH, password) and row is not None
    label = f"{username[:40]}@{seat}"
    with engine.begin() as conn:
        if row is None:
            append_audit(conn, label, "login.failed", "user", 0, {"username": username[:64], "why": "unknown user"})
        elif row.locked:
            append_audit(conn, label, "login.failed", "user", row.id, {"username": username, "why": "locked"})
        elif not ok:
            failures = int(row.failed_logins) + 1
            lock = failures >= MAX_FAILURES
            conn.execute(update(app_user).where(app_user.c.id == row.id)
                         .values(failed_logins=failures, locked=lock))
            append_audit(conn, label, "login.failed", "user", row.id,
                         {"username": username, "why": "wrong password", "failures": failures})
            if lock:
                append_audit(conn, label, "user.lock", "user", row.id,
                             {"username": username, "why": f"{failures} failed logins"})
        else:
            conn.execute(update(app_user).where(app_user.c.id == row.id).values(failed_logins=0))
            append_audit(conn, label, "login", "user", row.id, {"username": username, "role": row.role})
            return Actor(username, Role(row.role), seat)
    if row is not None and row.locked:
        raise LoginFailed(f"account {username!r} is locked; ask an administrator", locked=True)
    raise LoginFailed("wrong user name or password")
