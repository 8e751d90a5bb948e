"""`commandmap simulate` with impossible numbers: one line naming the option, exit 2, no traceback.

Run as a real subprocess, so what the user sees on stderr is what is checked. The store is
empty on purpose: each value must be refused before it is even opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("option", "value"), [
    ("--incidents-per-hour", "nan"), ("--incidents-per-hour", "-5"), ("--incidents-per-hour", "1e9"),
    ("--incidents-per-hour", "inf"), ("--seed", "-5"), ("--step", "nan"), ("--step", "0"), ("--step", "-1"),
    ("--duration", "nan"), ("--duration", "-3"), ("--duration", "inf"), ("--warmup", "nan"),
])
def test_bad_numbers_are_one_clear_line(tmp_path, option: str, value: str) -> None:
    env = {**os.environ, "COMMANDMAP_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "commandmap.cli", "simulate", "--db",
                           f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--speed", "max", option, value],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "empty.sqlite3").exists(), "refused before the store was touched"
