"""PySide6 6.12.0 aborts CPython 3.11 after a few thousand void Qt calls
("Fatal Python error: none_dealloc: deallocating None"). The pin keeps it out;
this proves the installed build survives a drawing-sized burst of such calls.

The calls run in a child process so an interpreter abort shows up as a failed
test with its stderr, not as a crashed test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import requires, version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

CALLS = 20_000

CHILD = textwrap.dedent(f"""
    import sys
    from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication(sys.argv)
    image = QImage(256, 256, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    pen = QPen(QColor(200, 30, 30))
    done = 0
    for i in range({CALLS} // 5):
        x = float(i % 256)
        painter.setPen(pen)                          # every one of these returns None
        painter.drawLine(QLineF(0.0, x, 255.0, 255.0 - x))
        painter.drawLine(0, 0, int(x), 255)
        painter.drawPoint(QPointF(x, x))
        painter.drawRect(QRectF(x, x, 3.0, 3.0))
        done += 5
    painter.end()
    assert image.pixelColor(0, 0) != QColor("white"), "nothing was drawn"
    print("calls", done)
""")


def test_many_void_qt_calls_do_not_abort_the_interpreter() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, env=env)
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stderr[-2000:]}"
    assert f"calls {CALLS}" in child.stdout


def test_installed_pyside6_satisfies_the_pin() -> None:
    installed = Version(version("PySide6-Essentials"))
    pins = [Requirement(r) for r in requires("commandmap") or [] if r.lower().startswith("pyside6-essentials")]
    applicable = [r for r in pins if r.marker is None or r.marker.evaluate()]
    assert applicable, f"commandmap declares no PySide6-Essentials requirement for this Python: {pins}"
    for req in applicable:
        assert installed in req.specifier, f"PySide6-Essentials {installed} does not satisfy {req}"
    if sys.version_info[:2] == (3, 11):
        assert installed < Version("6.12"), f"PySide6 {installed} on Python 3.11 aborts the interpreter (6.12.0)"
        assert any(Version("6.12") not in r.specifier and Version("6.11.99") in r.specifier for r in applicable), \
            "the requirement for Python 3.11 must exclude 6.12"


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the abort is specific to CPython 3.11")
def test_pyside6_module_reports_the_same_version() -> None:
    import PySide6

    assert Version(PySide6.__version__) == Version(version("PySide6-Essentials"))
