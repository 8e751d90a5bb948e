"""Display names of the stored codes (statuses, sources, modes, audit actions), translated.

Stored values stay English codes; what a dispatcher reads comes from here,
through Qt's translation system (context "Labels").
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from layers.i18n import QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor

from ..domain.snapshot import OFFICER_STATUS_CODES

_STATUS = {
    "new": QT_TRANSLATE_NOOP("Labels", "new"), "dispatched": QT_TRANSLATE_NOOP("Labels", "dispatched"),
    "acknowledged": QT_TRANSLATE_NOOP("Labels", "acknowledged"), "en_route": QT_TRANSLATE_NOOP("Labels", "en route"),
    "on_scene": QT_TRANSLATE_NOOP("Labels", "on scene"), "resolved": QT_TRANSLATE_NOOP("Labels", "resolved"),
    "closed": QT_TRANSLATE_NOOP("Labels", "closed"), "cancelled": QT_TRANSLATE_NOOP("Labels", "cancelled"),
    "available": QT_TRANSLATE_NOOP("Labels", "available"), "off_duty": QT_TRANSLATE_NOOP("Labels", "off duty"),
    "completed": QT_TRANSLATE_NOOP("Labels", "completed"), "reassigned": QT_TRANSLATE_NOOP("Labels", "reassigned"),
}
_SOURCE = {
    "grid_whistle": QT_TRANSLATE_NOOP("Labels", "grid whistle"),
    "hotline_12345": QT_TRANSLATE_NOOP("Labels", "12345 hotline"),
    "patrol": QT_TRANSLATE_NOOP("Labels", "patrol"),
    "remote_monitor": QT_TRANSLATE_NOOP("Labels", "remote monitoring"),
    "public_report": QT_TRANSLATE_NOOP("Labels", "public report"),
}
_MODE = {"foot": QT_TRANSLATE_NOOP("Labels", "on foot"), "ebike": QT_TRANSLATE_NOOP("Labels", "e-bike"),
         "car": QT_TRANSLATE_NOOP("Labels", "car")}
_LEFT_OUT = {
    "off_duty": QT_TRANSLATE_NOOP("Labels", "off duty"), "busy": QT_TRANSLATE_NOOP("Labels", "busy"),
    "other_department": QT_TRANSLATE_NOOP("Labels", "other department"),
    "no_fix": QT_TRANSLATE_NOOP("Labels", "no position"), "stale_fix": QT_TRANSLATE_NOOP("Labels", "position too old"),
    "unreachable": QT_TRANSLATE_NOOP("Labels", "no road to the scene"),
    "off_network": QT_TRANSLATE_NOOP("Labels", "away from any road"),
    "beyond_max_time": QT_TRANSLATE_NOOP("Labels", "too far"),
    "wrong_mode": QT_TRANSLATE_NOOP("Labels", "travel mode not routable"),
    "scene_off_network": QT_TRANSLATE_NOOP("Labels", "scene away from any road"),
    "scene_invalid": QT_TRANSLATE_NOOP("Labels", "scene has no valid location"),
}
_TASK_KIND = {"inspection": QT_TRANSLATE_NOOP("Labels", "joint inspection"),
              "move_up": QT_TRANSLATE_NOOP("Labels", "move-up")}
_ACTION = {
    "task.dispatch": QT_TRANSLATE_NOOP("Labels", "dispatched"),
    "task.move_up": QT_TRANSLATE_NOOP("Labels", "moved up"),
    "task.acknowledge": QT_TRANSLATE_NOOP("Labels", "acknowledged"),
    "task.start_route": QT_TRANSLATE_NOOP("Labels", "on the way"),
    "task.arrive": QT_TRANSLATE_NOOP("Labels", "arrived"),
    "task.resolve": QT_TRANSLATE_NOOP("Labels", "resolved"),
    "task.reassign": QT_TRANSLATE_NOOP("Labels", "reassigned"),
    "incident.create": QT_TRANSLATE_NOOP("Labels", "reported"),
    "incident.cancel": QT_TRANSLATE_NOOP("Labels", "cancelled"),
    "incident.close": QT_TRANSLATE_NOOP("Labels", "closed"),
}
PRIORITY_COLOURS = {"P1": "#d7191c", "P2": "#f07c1b", "P3": "#d4b106", "P4": "#6a8caf"}
OFFICER_STATUS_BY_CODE = {code: name for name, code in OFFICER_STATUS_CODES.items()}


def _t(table: dict[str, str], key: str) -> str:
    text = table.get(key)
    return QCoreApplication.translate("Labels", text) if text else key


def status_label(status: str) -> str:
    return _t(_STATUS, status)


def source_label(source: str) -> str:
    return _t(_SOURCE, source)


def task_label(code: str) -> str:
    """What an officer's open task is: its incident's code, or the kind of a task without one."""
    return _t(_TASK_KIND, code)


def mode_label(mode: str) -> str:
    return _t(_MODE, mode)


def left_out_label(reason: str) -> str:
    return _t(_LEFT_OUT, reason)


def action_label(action: str) -> str:
    return _t(_ACTION, action)


def officer_status_label(code: int) -> str:
    return status_label(OFFICER_STATUS_BY_CODE.get(int(code), "off_duty"))


def priority_colour(priority: str) -> QColor:
    return QColor(PRIORITY_COLOURS.get(priority, "#888888"))
