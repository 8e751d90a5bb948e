"""`commandmap chart`: the dock's charts headless, as PNG, vector PDF and CSV."""

from __future__ import annotations

import csv
import re
from datetime import datetime

import numpy as np
import pytest
from PySide6.QtGui import QImage

from commandmap.cli import run
from commandmap.services.exports.window import BEIJING

from .conftest import T0
from .test_map_export_cli import _streams

HOUR = ["--from", datetime.fromtimestamp(T0, BEIJING).isoformat(), "--to",
        datetime.fromtimestamp(T0 + 3600, BEIJING).isoformat()]


def _red_columns(img: QImage) -> set[int]:
    """Columns with the target line's red (#dc2626) in them."""
    a = np.frombuffer(img.convertToFormat(QImage.Format.Format_RGB888).constBits(), np.uint8)
    rgb = a.reshape(img.height(), -1)[:, :img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    red = (np.abs(rgb - (0xdc, 0x26, 0x26)).max(axis=2) <= 10)
    return set(np.flatnonzero(red.sum(axis=0) > img.height() // 4).tolist())


def test_png_of_the_response_chart_marks_the_target(history, tmp_path, capsys) -> None:
    out = tmp_path / "response.png"
    assert run(["chart", "--db", history.url, "--out", str(out), "--kind", "response", "--stage",
                "dispatched_to_acknowledged", "--size", "1200x800", "--lang", "en", *HOUR], None) == 0
    assert capsys.readouterr().out.strip() == str(out)
    img = QImage(str(out))
    assert img.width() == 1200 and img.height() > 300
    assert _red_columns(img), "no 60 s target line drawn"


def test_pdf_of_all_charts_is_vector(history, tmp_path) -> None:
    out = tmp_path / "charts.pdf"
    assert run(["chart", "--db", history.url, "--out", str(out), *HOUR], None) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/Subtype /Image" not in data and b"/Subtype/Image" not in data
    content = _streams(data)
    assert re.search(rb"\bTj\b|\bTJ\b", content), "no text on the page"
    assert len(re.findall(rb"\s[lc]\n", content)) > 20, "too few path segments for four charts"
    assert b"/MediaBox [0 0 841" in data or b"/MediaBox [0 0 842" in data     # A4 landscape in points


def test_csv_has_the_percentiles(history, tmp_path) -> None:
    out = tmp_path / "charts.csv"
    assert run(["chart", "--db", history.url, "--out", str(out), *HOUR], None) == 0
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    p90 = [r for r in rows if (r["chart"], r["key"], r["measure"]) == ("stage", "dispatched_to_acknowledged", "p90_s")]
    assert float(p90[0]["value"]) == pytest.approx(83.0)


@pytest.mark.parametrize("argv, message", [
    (["--out", "{tmp}/x.out"], "--out"),
    (["--out", "{tmp}/x.png", "--district", "nowhere"], "--district"),
    (["--out", "{tmp}/x.png", "--from", "soon"], "--from"),
    (["--out", "{tmp}/x.png", "--size", "0x10"], "--size"),
    (["--out", "{tmp}/x.pdf", "--size", "10x10"], "--size"),
    (["--out", "{tmp}/none/x.png"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(history, tmp_path, capsys, argv, message) -> None:
    rc = run(["chart", "--db", history.url, *(a.replace("{tmp}", str(tmp_path)) for a in argv)], None)
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.*"))
