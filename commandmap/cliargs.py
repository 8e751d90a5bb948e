"""Argument helpers shared by the `commandmap` subcommands and the app's own options.

Lives apart from `cli.py` so a subcommand module never imports the command
that registers it (that was an import cycle held together by function-level
imports).
"""

from __future__ import annotations

import argparse
import re

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
