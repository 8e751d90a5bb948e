"""`commandmap bench ingest` runs end to end at a small size and writes its table and JSON."""

from __future__ import annotations

import json

from commandmap.cli import main as cli_main


def test_bench_ingest_small(tmp_path, capsys) -> None:
    out = tmp_path / "ingest.json"
    notes = tmp_path / "ingest_bench.md"
    assert cli_main(["bench", "ingest", "--officers", "300", "--ticks", "1", "--json", str(out),
                     "--notes", str(notes)]) == 0
    payload = json.loads(out.read_text())
    backends = [c["backend"] for c in payload["cases"]]
    assert backends == ["sqlite", "postgresql"]
    sqlite = payload["cases"][0]
    assert sqlite["fixes_per_s"] > 0 and sqlite["rescan_ms"] > 0 and payload["snapshot_refresh_ms"] > 0
    pg = payload["cases"][1]
    assert pg["fixes_per_s"] is not None or pg["note"].startswith("skipped: PostgreSQL not available")
    table = capsys.readouterr().out
    assert "| sqlite |" in table and notes.read_text().strip() == table.strip()


def test_bench_ingest_rejects_nonsense(capsys) -> None:
    assert cli_main(["bench", "ingest", "--officers", "0"]) == 2
    assert "--officers and --ticks must be at least 1" in capsys.readouterr().err
