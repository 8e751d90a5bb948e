"""A publication list (title, header, rows) as a PDF, through Qt's text layout and PDF writer.

Used by the headless commands (draw lists, inspection plans); Chinese text needs a CJK
font on the machine, as Qt finds it. Runs without a display (offscreen platform).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path


def write_table_pdf(path: str | Path, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                    note: str = "") -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
    from PySide6.QtWidgets import QApplication

    # a widgets application like the other commands make: one process (a test run, the app itself)
    # may later need widgets, and Qt allows one application object per process
    app = QApplication.instance() or QApplication(["commandmap-pdf"])
    _ = app
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    doc = QTextDocument()
    doc.setHtml(f"<h3>{html.escape(title)}</h3><p>{html.escape(note)}</p>"
                f"<table border='1' cellspacing='0' cellpadding='2' style='font-size:7pt'>"
                f"<tr>{head}</tr>{body}</table>")
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(10, 10, 10, 10))
    doc.print_(writer)
    if not Path(path).is_file():
        raise OSError(f"cannot write {path}")
