"""The audit chain's state in the status bar, for the roles that may see it, and "Verify audit log".

The check (`services.audit_status.check_audit_chain`: one HMAC per row) runs on
a worker thread; the worker only leaves its outcome in a queue, and a UI-thread
timer picks it up (a worker never calls into Qt). The indicator checks once at
start, every `REFRESH_MS`, and whenever the menu item is chosen. A broken chain
is shown in red with the first bad row and stays on screen: a later check can
only replace it with a fresh result, never with a transient "checking…".
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from ..services.audit_status import check_audit_chain, may_verify_audit
from ..store.audit import AuditCheck

REFRESH_MS = 5 * 60_000
POLL_MS = 50
OK_STYLE = "color:#1a8f3a"
BROKEN_STYLE = "color:#ffffff;background:#d01818;font-weight:bold;padding:0 6px"



class AuditStatus(QObject):
    """The indicator (a permanent status-bar label) and its menu action for one window."""

    def __init__(self, window: Any, ctx: Any) -> None:   # window: ui.main_window.MainWindow
        super().__init__(window)
        self.engine = ctx.engine
        self.actor = ctx.workbench.actor
        self.label = QLabel()
        self.label.setObjectName("StatusAudit")
        self.action = QAction(window)
        self.action.setObjectName("action_verify_audit")
        self.action.triggered.connect(self.verify)
        window.statusBar().addPermanentWidget(self.label)
        window.menu_file.insertAction(window.act_quit, self.action)
        self.result: AuditCheck | None = None
        self.error: str | None = None
        self._results: queue.Queue[tuple[AuditCheck | None, str | None]] = queue.Queue()
        self._running = False
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll)
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.verify)
        self._refresh.start()
        self.retranslate_ui()
        self.verify()

    @classmethod
    def install(cls, window: Any, ctx: Any) -> AuditStatus | None:
        """The indicator for a role that may see the chain's state; None (nothing shown) for the others."""
        return cls(window, ctx) if may_verify_audit(ctx.workbench.actor) else None

    @property
    def running(self) -> bool:
        return self._running

    def verify(self) -> None:
        """Check the chain now (off the UI thread) unless a check is already running."""
        if self._running:
            return
        self._running = True
        self.retranslate_ui()
        engine, actor, out = self.engine, self.actor, self._results

        def work() -> None:
            try:
                out.put((check_audit_chain(engine, actor), None))
            except Exception as exc:  # noqa: BLE001 - shown in the indicator
                out.put((None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))

        threading.Thread(target=work, name="commandmap-audit-verify", daemon=True).start()
        self._poll.start()

    def _on_poll(self) -> None:
        try:
            result, error = self._results.get_nowait()
        except queue.Empty:
            return
        self._poll.stop()
        self._running = False
        self.result, self.error = result, error
        self.retranslate_ui()

    def stop(self) -> None:
        self._poll.stop()
        self._refresh.stop()

    @property
    def broken(self) -> bool:
        return self.error is not None or (self.result is not None and not self.result.ok)

    def retranslate_ui(self) -> None:
        self.action.setText(QCoreApplication.translate("AuditStatus", "Verify audit log"))
        self.action.setToolTip(QCoreApplication.translate("AuditStatus", "Check every row of the audit log against its keyed hash and the anchored head"))
        r, error = self.result, self.error
        if error is not None:
            text, tip = QCoreApplication.translate("AuditStatus", "Audit log: cannot check"), error
        elif r is None:
            if self._running:
                self.label.setText(QCoreApplication.translate("AuditStatus", "Audit log: checking…"))
            return
        elif r.ok:
            text, tip = QCoreApplication.translate("AuditStatus", "Audit log OK ({n:,} rows)").format(n=r.checked), ""
        elif r.first_bad_id is not None:
            text, tip = QCoreApplication.translate("AuditStatus", "Audit log BROKEN at row {row}").format(row=r.first_bad_id), r.reason
        else:
            text, tip = QCoreApplication.translate("AuditStatus", "Audit log: cannot check"), r.reason
        self.label.setText(text)
        self.label.setToolTip(tip)
        self.label.setStyleSheet(BROKEN_STYLE if self.broken else OK_STYLE)
