"""Argument helpers shared by the `commandmap` subcommands and the app's own options.

Lives apart from `cli.py` so a subcommand module never imports the command
that registers it (that was an import cycle held together by function-level
imports).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable

_NEGATIVE_PAIR = re.compile(r"^-\d+(\.\d*)?(,|$)")
_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*x?\s*$", re.IGNORECASE)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """`--db` on a subcommand too, without clobbering the top-level value."""
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="store URL (sqlite:///PATH or postgresql://HOST/DB)")


def parse_speed(text: str) -> float:
    """'10x', '10', '0.5x' -> factor; 'max' -> inf (no waiting)."""
    if text.strip().lower() == "max":
        return float("inf")
    m = _SPEED.match(text)
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"speed must look like 10x (a positive factor) or 'max', got {text!r}")
    return float(m.group(1))


def join_negative_values(argv: list[str]) -> list[str]:
    """`--scene -114.6,32.7` as `--scene=-114.6,32.7`: argparse takes a value starting with '-' for an
    option unless it is a plain number, so every longitude west of Greenwich was refused."""
    out: list[str] = []
    for token in argv:
        prev = out[-1] if out else ""
        if (_NEGATIVE_PAIR.match(token) and "," in token and prev.startswith("--") and "=" not in prev
                and len(prev) > 2):
            out[-1] = f"{prev}={token}"
        else:
            out.append(token)
    return out


def terminal_progress(quiet: bool) -> Callable[[str, float], None]:
    """A `progress(stage, fraction)` callback printing one line per new stage on stderr (none when quiet)."""
    t0 = time.perf_counter()
    last = [""]

    def show(stage: str, fraction: float) -> None:
        if quiet or stage == last[0]:
            return
        last[0] = stage
        print(f"[{fraction * 100:5.1f}%] {time.perf_counter() - t0:6.1f}s  {stage}", file=sys.stderr, flush=True)
    return show
