"""`commandmap bench ingest --http` and `commandmap bench journal` end to end at a small size: the HTTP
cases check themselves (every 200 stored, the replaying seat equal to the table) or fail."""

from __future__ import annotations

import json

import pytest

from commandmap.cli import main as cli_main


@pytest.mark.slow
def test_bench_ingest_http_small(tmp_path, capsys) -> None:
    out = tmp_path / "ingest.json"
    assert cli_main(["bench", "ingest", "--http", "--officers", "120", "--ticks", "1", "--rounds", "2",
                     "--connections", "16", "--json", str(out)]) == 0
    cases = {c["backend"]: c for c in json.loads(out.read_text())["cases"]}
    for name in ("http-sqlite", "http-sqlite-2proc"):
        assert cases[name]["fixes_per_s"] > 0 and "240 requests" in cases[name]["note"]
    assert "CPU per request: servers" in cases["http-sqlite"]["note"]
    assert "2 processes on one port" in cases["http-sqlite-2proc"]["note"]
    for name in ("http-postgresql", "http-postgresql-2proc"):
        assert cases[name]["fixes_per_s"] is not None or cases[name]["note"].startswith("skipped")
    assert "| http-sqlite |" in capsys.readouterr().out


@pytest.mark.postgres
def test_bench_journal_small(tmp_path, capsys, pg_server) -> None:
    out = tmp_path / "journal.json"
    assert cli_main(["bench", "journal", "--writers", "1,2", "--seconds", "0.3", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["cases"]
    assert [r["writers"] for r in rows] == [1, 2]
    assert all(r["locked_tx_per_s"] > 0 and r["unlocked_tx_per_s"] > 0 for r in rows)
    assert "| 2 |" in capsys.readouterr().out


def test_bench_journal_rejects_nonsense(capsys) -> None:
    assert cli_main(["bench", "journal", "--writers", "two"]) == 2
    assert "--writers: 'two' must look like 1,2,4,8" in capsys.readouterr().err
