"""The workstation's side of permission checks on exports and store-wide settings.

The services decide and audit (`services.exports.guard`, `services.simulation.control`);
this module turns a refusal into a clear, translated line in the window's status
bar (red, like a lost dispatch race) instead of a traceback or a silent no-op.
The seat's own display preferences (language, theme, dock layout in the local
INI file) are not checked: they change nothing anyone else sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from ..services.authz import Forbidden
from ..services.exports.guard import permit_export, record_export

DENIED_STYLE = "color:#e03030;font-weight:bold"



def show_denied(window: Any, text: str) -> None:
    window.status_outcome.setText(text)
    window.status_outcome.setStyleSheet(DENIED_STYLE)


def export_denied_text(actor: Any) -> str:
    return QCoreApplication.translate(
        "Access", "Export refused: the role {role} of {user} may not export data (the attempt is in the audit log)."
    ).format(role=actor.role.value, user=actor.user)


def settings_denied_text(actor: Any) -> str:
    return QCoreApplication.translate(
        "Access",
        "Not changed: the role {role} of {user} may not change shared settings (the attempt is in the audit log)."
    ).format(role=actor.role.value, user=actor.user)


def permitted_export(window: Any, ctx: Any, kind: str, target: str | Path) -> Any:
    """The actor when this seat may export (the check is audited when refused); None after showing why not."""
    actor = ctx.workbench.actor
    try:
        return permit_export(ctx.engine, actor, kind, target)
    except Forbidden:
        show_denied(window, export_denied_text(actor))
        return None


def exported(ctx: Any, actor: Any, kind: str, target: str | Path, files: list[Path] | None,
             outcome: str = "ok") -> None:
    """Audit the end of an export the seat was allowed to start."""
    record_export(ctx.engine, actor, kind, target, files or [], outcome=outcome)
