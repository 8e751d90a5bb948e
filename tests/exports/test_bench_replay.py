"""`commandmap bench replay` runs end to end, with its baselines, and writes JSON and Markdown."""

from __future__ import annotations

import json

from commandmap.cli import main


def test_bench_replay_smoke(qapp, tmp_path, capsys) -> None:
    out, md = tmp_path / "replay.json", tmp_path / "replay.md"
    rc = main(["bench", "replay", "--officers", "300", "--hours", "1", "--incidents", "50", "--scale", "0.02",
               "--sizes", "320x200", "--frames", "3", "--baseline-hours", "0.25", "--json", str(out),
               "--markdown", str(md)])
    assert rc == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    by_name = {c["name"]: c for c in data["cases"]}
    assert set(by_name) == {"play", "seek", "live", "unchunked"}
    assert all(c["median_ms"] > 0 and (c["width"], c["height"]) == (320, 200) for c in data["cases"])
    # chunked: at most two 5-minute chunks held; the unchunked baseline holds its whole quarter hour
    assert by_name["play"]["fixes_held"] <= 2 * 300 * 31 and by_name["unchunked"]["fixes_held"] >= 300 * 90
    assert "| replay playing at 60×" in md.read_text(encoding="utf-8")


def test_bench_replay_rejects_bad_numbers(qapp, capsys) -> None:
    assert main(["bench", "replay", "--hours", "0"]) == 2
    assert "--hours must be positive" in capsys.readouterr().err
