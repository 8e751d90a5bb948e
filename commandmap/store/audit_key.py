"""The audit chain's secret key and its head anchor: files OUTSIDE the database.

SQL access alone must neither recompute the chain (the rows are HMAC'd with a
key the database never sees) nor cut rows off its end unnoticed (the head is
appended to an anchor file after every audit write). Both live in
`$COMMANDMAP_AUDIT_DIR` (default: the per-user data folder's `audit/`), one
pair per store, named by the store's `audit_store_id` (city_meta). Every
process that writes audit rows to a shared store needs the same key file: copy
it to each writer with the store's credentials, and keep `commandmap audit
head` printouts somewhere else again.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_AUDIT_DIR = "COMMANDMAP_AUDIT_DIR"
KEY_BYTES = 32


def audit_dir(sqlite_file: str | None = None) -> Path:
    """$COMMANDMAP_AUDIT_DIR; else, for a SQLite store, a folder beside its file (`<file>.audit`, so the key
    travels with the store: for real protection point the variable at a folder the store's users cannot
    write); else the per-user data folder's `audit/`."""
    override = os.environ.get(ENV_AUDIT_DIR)
    if override:
        path = Path(override)
    elif sqlite_file:
        db = Path(sqlite_file).expanduser().resolve()
        path = db.with_name(db.name + ".audit")
    else:
        from ..paths import user_data_dir
        path = user_data_dir() / "audit"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@dataclass(frozen=True)
class Anchor:
    row_id: int
    hash: str
    at: str


class AuditKeyring:
    """Key and anchor files of the stores this machine writes to."""

    def __init__(self, folder: Path | None = None, *, sqlite_file: str | None = None) -> None:
        self.folder = folder
        self.sqlite_file = sqlite_file

    @classmethod
    def for_url(cls, url: object) -> AuditKeyring:
        """The default keyring of a store (its SQLAlchemy URL)."""
        backend = getattr(url, "get_backend_name", lambda: "")()
        database = getattr(url, "database", None)
        if backend == "sqlite" and database and database != ":memory:":
            return cls(sqlite_file=str(database))
        return cls()

    def _dir(self) -> Path:
        return self.folder if self.folder is not None else audit_dir(self.sqlite_file)

    def key_path(self, store_id: str) -> Path:
        return self._dir() / f"{store_id}.key"

    def anchor_path(self, store_id: str) -> Path:
        return self._dir() / f"{store_id}.anchor"

    def key(self, store_id: str, *, create: bool) -> bytes | None:
        """The store's key; with `create`, a new random one when there is none (written 0600)."""
        path = self.key_path(store_id)
        if path.exists():
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        if not create:
            return None
        key = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
        return key

    def anchor(self, store_id: str, row_id: int, digest: str, at: str) -> None:
        """Append the chain's new head (append-only file: one line per audit write)."""
        fd = os.open(self.anchor_path(store_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as fh:
            fh.write(f"{row_id} {digest} {at}\n")
            fh.flush()
            os.fsync(fh.fileno())

    def head(self, store_id: str) -> Anchor | None:
        """The last anchored head, or None when nothing was anchored on this machine."""
        path = self.anchor_path(store_id)
        if not path.exists():
            return None
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            lines = [ln for ln in fh.read().decode("ascii", "replace").splitlines() if ln.strip()]
        if not lines:
            return None
        parts = lines[-1].split()
        if len(parts) < 2 or not parts[0].isdigit():
            raise ValueError(f"audit anchor {path}: last line is damaged")
        return Anchor(int(parts[0]), parts[1], parts[2] if len(parts) > 2 else "")
