"""Taking data out goes through the permission check and the audit log: who exported what, where, when.

Every export path (the workstation's map and data exports, headless `commandmap
export`) asks `permit_export` before it reads anything and calls
`record_export` once the files are written. A refusal writes only its audit row
(authz); a cancelled or failed export records its outcome too, so the log shows
attempts as well as files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from ...domain.access import Actor, Permission
from ...store.audit import append_audit
from ..authz import require

_TARGET_CHARS = 200


def _target(path: str | Path) -> str:
    text = str(path)
    return text if len(text) <= _TARGET_CHARS else "…" + text[-_TARGET_CHARS:]


def permit_export(engine: Engine, actor: Actor | str, kind: str, target: str | Path) -> Actor:
    """The actor when it may export; `authz.Forbidden` (the denial audited) otherwise."""
    return require(engine, actor, Permission.EXPORT, "export", 0, {"kind": kind, "target": _target(target)})


def record_export(engine: Engine, actor: Actor, kind: str, target: str | Path, files: Sequence[str | Path] = (),
                  *, outcome: str = "ok") -> None:
    """One audit row for a finished (outcome 'ok'), cancelled or failed export."""
    with engine.begin() as conn:
        append_audit(conn, actor.label, "export", "export", 0,
                     {"kind": kind, "target": _target(target), "files": len(files), "outcome": outcome})
