"""Every command-line mistake of issue #11: one line on stderr naming the problem, exit code 2, no
traceback, and the store exactly as it was. Each case runs the real command in a subprocess.

Read-only stores are made with `chattr +i` (immutable: refused even to root, as the tests run here),
so the code must find them by a write that fails, not by file permission bits.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commandmap.store.migrate import head_revision, open_store

ROOT = Path(__file__).resolve().parents[1]
BAD_PORT = "postgresql://127.0.0.1:notaport/db"


def _run(args: list[str], home: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COMMANDMAP_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("COMMANDMAP_DB_URL", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "commandmap.cli", *args], capture_output=True, text=True,
                          timeout=180, env=env, cwd=home)


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _store(folder: Path) -> Path:
    path = folder / "store.sqlite3"
    open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """chattr +i, undone after the test (tmp_path must stay removable)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    done: list[Path] = []

    def make(path: Path) -> None:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("this file system does not support chattr +i")
        done.append(path)
    yield make
    for path in reversed(done):
        subprocess.run(["chattr", "-i", str(path)], check=False)


def _two_revisions(folder: Path) -> list[str]:
    path = _store(folder)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO alembic_version VALUES ('0001_initial')")
    conn.close()
    return ["--db", f"sqlite:///{path}"]


def _foreign(folder: Path) -> list[str]:
    path = folder / "notes.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO note VALUES (1, 'keep me')")
    conn.close()
    return ["--db", f"sqlite:///{path}"]


def _read_only_store(folder: Path, immutable: Callable[[Path], None]) -> list[str]:
    path = _store(folder)
    immutable(path)
    return ["--db", f"sqlite:///{path}"]


def _officers(folder: Path, text: str) -> str:
    path = folder / "officers.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


# (id, argv builder(folder, immutable) -> argv, extra env, words the one line must hold)
CASES = [
    ("port-not-a-number", lambda f, i: ["db", "current", "--db", BAD_PORT], {}, ["notaport", "port"]),
    ("port-not-a-number-env", lambda f, i: ["db", "current"], {"COMMANDMAP_DB_URL": BAD_PORT},
     ["notaport", "COMMANDMAP_DB_URL"]),
    ("port-not-a-number-upgrade", lambda f, i: ["db", "upgrade", "--db", BAD_PORT], {}, ["port"]),
    ("empty-db", lambda f, i: ["db", "current", "--db", ""], {}, ["--db is empty"]),
    ("empty-db-upgrade", lambda f, i: ["db", "upgrade", "--db", " "], {}, ["--db is empty"]),
    ("read-only-simulate", lambda f, i: ["simulate", "--duration", "5", *_read_only_store(f, i)], {},
     ["read-only"]),
    ("read-only-demo-force", lambda f, i: ["demo", "--scale", "mini", "--force", "--quiet",
                                           *_read_only_store(f, i)], {}, ["read-only"]),
    ("two-revisions-current", lambda f, i: ["db", "current", *_two_revisions(f)], {}, ["2 schema revisions"]),
    ("two-revisions-upgrade", lambda f, i: ["db", "upgrade", *_two_revisions(f)], {}, ["2 schema revisions"]),
    ("foreign-sqlite-upgrade", lambda f, i: ["db", "upgrade", *_foreign(f)], {}, ["not a CommandMap store", "note"]),
    ("foreign-sqlite-simulate", lambda f, i: ["simulate", "--duration", "5", *_foreign(f)], {},
     ["not a CommandMap store"]),
    ("route-duplicate-id", lambda f, i: ["route", "nearest", "--roads", "demo:mini", "--scene", "121.55,29.87",
                                         "--officers", _officers(f, "id,lon,lat\nNB1,121.5,29.8\nNB2,121.5,29.8\n"
                                                                    "NB1,121.6,29.9\n")], {},
     ["line 4", "NB1", "line 2"]),
    ("route-empty-id", lambda f, i: ["route", "coverage", "--roads", "demo:mini",
                                     "--officers", _officers(f, "id,lon,lat\n,121.5,29.8\n")], {}, ["line 2"]),
]


@pytest.mark.parametrize("build, env, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake_is_one_line_exit_2_store_unchanged(tmp_path: Path, immutable, build, env, words) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    argv = build(work, immutable)
    before = _fingerprint(work)
    home_before = _fingerprint(home)
    proc = _run(argv, home, env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("commandmap: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    after = _fingerprint(work)
    assert {k: after.get(k) for k in before} == before, "the store changed"
    # SQLite may leave its shared-memory index beside a store it could not write; never a journal with data
    assert all(k.endswith("-shm") or (k.endswith("-wal") and (work / k).stat().st_size == 0)
               for k in set(after) - set(before)), sorted(after)
    assert not (home / "commandmap.sqlite3").exists(), "the per-user store was used instead"
    assert _fingerprint(home) == home_before


def test_a_store_in_a_read_only_folder_can_be_inspected(tmp_path: Path, immutable) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ro"
    folder.mkdir()
    path = _store(folder)
    before = _fingerprint(folder)
    immutable(folder)
    proc = _run(["db", "current", "--db", f"sqlite:///{path}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert head_revision() in proc.stdout and "up to date" in proc.stdout
    assert _fingerprint(folder) == before
    up = _run(["db", "upgrade", "--db", f"sqlite:///{path}"], tmp_path)
    assert up.returncode in (0, 2) and "Traceback" not in up.stderr   # at head: nothing to write


def test_db_current_does_not_write_into_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    proc = _run(["db", "current", "--db", f"sqlite:///{empty}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "empty" in proc.stdout
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


def test_bench_ingest_help_shows_no_developer_path(tmp_path: Path) -> None:
    proc = _run(["bench", "ingest", "--help"], tmp_path)
    assert proc.returncode == 0
    assert "/work/" not in proc.stdout and "notes" not in proc.stdout.split("--notes", 1)[-1].split("\n")[0]
