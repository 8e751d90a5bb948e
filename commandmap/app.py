"""Application entry: `commandmap` with no subcommand and `python main.py`."""

from __future__ import annotations

import argparse
import sys


def run_app(args: argparse.Namespace) -> int:
    """Open the main window on the store named by `args.db` (building the demo
    city on first start when the store is empty)."""
    from .ui.launch import launch  # Qt is imported only when the GUI is wanted

    return launch(args)


def main() -> int:
    from .cli import main as cli_main

    return cli_main(sys.argv[1:])
