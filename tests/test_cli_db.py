"""`commandmap db upgrade|current`, and bad --db input: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from commandmap.cli import main
from commandmap.store.engine import open_engine
from commandmap.store.migrate import current_revision, head_revision


HEAD = head_revision()


def _run(*args: str, env_home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COMMANDMAP_HOME=str(env_home), QT_QPA_PLATFORM="offscreen")
    env.pop("COMMANDMAP_DB_URL", None)
    return subprocess.run([sys.executable, "-c", "from commandmap.cli import main; raise SystemExit(main())", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def _stamp_future(url: str) -> None:
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        engine.dispose()


def _one_error_line(stderr: str, *needles: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("commandmap: error: "), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_upgrade_then_current_in_process(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--db", store_url]) == 0
    assert f"upgraded (empty) -> {HEAD}" in capsys.readouterr().out
    assert main(["--db", store_url, "db", "upgrade"]) == 0  # top-level --db works too
    assert f"already at {HEAD}" in capsys.readouterr().out
    assert main(["db", "current", "--db", store_url]) == 0
    assert f"{HEAD} — up to date" in capsys.readouterr().out
    engine = open_engine(store_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_default_store_is_the_per_user_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMMANDMAP_HOME", str(tmp_path))
    assert main(["db", "current"]) == 0
    assert "no store yet" in capsys.readouterr().out
    assert not (tmp_path / "commandmap.sqlite3").exists()  # `current` creates nothing
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "commandmap.sqlite3").is_file()
    monkeypatch.setenv("COMMANDMAP_DB_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "other.sqlite3").is_file()
    capsys.readouterr()


def test_newer_schema_is_refused(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--db", store_url]) == 0
    _stamp_future(store_url)
    capsys.readouterr()
    assert main(["db", "upgrade", "--db", store_url]) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err, "9999_future", HEAD, "newer")
    assert main(["db", "current", "--db", store_url]) == 0
    assert "NEWER than this CommandMap" in capsys.readouterr().out
    engine = open_engine(store_url)
    try:
        assert current_revision(engine) == "9999_future"  # never migrated down
    finally:
        engine.dispose()


@pytest.mark.parametrize("url, needles", [
    ("nonsense", ["malformed database URL", "nonsense"]),
    ("mysql://db.example/commandmap", ["unsupported database URL"]),
    ("postgresql://officer:s3cret@127.0.0.1:1/commandmap", ["cannot reach database", "127.0.0.1:1", "***"]),
    ("postgresql://nohost.invalid/commandmap", ["cannot reach database", "nohost.invalid"]),
    ("sqlite:////no/such/folder/store.sqlite3", ["folder", "/no/such/folder", "does not exist"]),
])
@pytest.mark.parametrize("action", ["upgrade", "current"])
def test_bad_db_in_process(url: str, needles: list[str], action: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", action, "--db", url]) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err, *needles)
    assert "s3cret" not in captured.err


def test_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_bytes(b"this is not SQLite" * 300)
    assert main(["db", "upgrade", "--db", f"sqlite:///{bogus}"]) == 2
    _one_error_line(capsys.readouterr().err, "not a database")
    assert bogus.read_bytes() == b"this is not SQLite" * 300


def test_bad_input_through_a_real_process(tmp_path: Path, sqlite_url: str) -> None:
    malformed = _run("db", "upgrade", "--db", "::not a url::", env_home=tmp_path)
    assert malformed.returncode == 2
    _one_error_line(malformed.stderr, "malformed database URL")

    unreachable = _run("db", "upgrade", "--db", "postgresql://127.0.0.1:1/commandmap", env_home=tmp_path)
    assert unreachable.returncode == 2
    _one_error_line(unreachable.stderr, "cannot reach database", "127.0.0.1:1")

    ok = _run("db", "upgrade", "--db", sqlite_url, env_home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert f"-> {HEAD}" in ok.stdout
    _stamp_future(sqlite_url)
    newer = _run("db", "upgrade", "--db", sqlite_url, env_home=tmp_path)
    assert newer.returncode == 2
    _one_error_line(newer.stderr, "9999_future", HEAD)


def test_help_for_every_db_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["db", "--help"], ["db", "upgrade", "--help"], ["db", "current", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        assert "usage: commandmap db" in capsys.readouterr().out
