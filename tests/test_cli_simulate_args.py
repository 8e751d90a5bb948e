"""`commandmap simulate` with impossible numbers: one line naming the option, exit 2, no traceback.

One case runs as a real subprocess, so what the user sees on stderr is what is checked; the
rest go through the same `cli.main` in this process (a subprocess each cost seconds of
interpreter start-up and imports). The store is empty on purpose: each value must be refused
before it is even opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commandmap import cli

ROOT = Path(__file__).resolve().parents[1]
BAD = [
    ("--incidents-per-hour", "nan"), ("--incidents-per-hour", "-5"), ("--incidents-per-hour", "1e9"),
    ("--incidents-per-hour", "inf"), ("--seed", "-5"), ("--step", "nan"), ("--step", "0"), ("--step", "-1"),
    ("--duration", "nan"), ("--duration", "-3"), ("--duration", "inf"), ("--warmup", "nan"), ("--stop-with", "0"),
    ("--stop-with", "-4"),
]


def _argv(tmp_path: Path, option: str, value: str) -> list[str]:
    return ["simulate", "--db", f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--speed", "max", option, value]


def test_a_bad_number_is_one_clear_line_in_a_real_process(tmp_path) -> None:
    env = {**os.environ, "COMMANDMAP_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "commandmap.cli", *_argv(tmp_path, "--step", "nan")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--step" in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "empty.sqlite3").exists(), "refused before the store was touched"


@pytest.mark.parametrize(("option", "value"), BAD)
def test_bad_numbers_are_one_clear_line(tmp_path, capsys, option: str, value: str) -> None:
    assert cli.main(_argv(tmp_path, option, value)) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("commandmap: error:") and option in lines[0], err
    assert not (tmp_path / "empty.sqlite3").exists(), "refused before the store was touched"
