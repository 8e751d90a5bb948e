"""`commandmap bench render` runs end to end and writes the JSON the README table needs."""

from __future__ import annotations

import json

from commandmap.cli import main


def test_bench_render_smoke(qapp, tmp_path, capsys) -> None:
    out = tmp_path / "render.json"
    md = tmp_path / "render.md"
    rc = main(["bench", "render", "--scale", "0.02", "--sizes", "320x200", "--frames", "2",
               "--baseline-frames", "1", "--json", str(out), "--markdown", str(md)])
    assert rc == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    names = {(c["name"], c["view"]) for c in data["cases"]}
    assert {("pan", "city"), ("move", "city"), ("zoom", "district")} <= names
    for c in data["cases"]:
        assert {"name", "width", "height", "median_ms", "baseline_median_ms"} <= set(c)
        assert (c["width"], c["height"]) == (320, 200) and c["median_ms"] > 0 and c["baseline_median_ms"] > 0
    assert "| pan" in md.read_text(encoding="utf-8")


def test_bench_render_rejects_bad_sizes(qapp, capsys) -> None:
    assert main(["bench", "render", "--sizes", "big"]) == 2
    assert "not WIDTHxHEIGHT" in capsys.readouterr().err
