"""Every `commandmap` subcommand (and every bench suite) answers --help."""

from __future__ import annotations

import pytest

from commandmap import __version__
from commandmap.cli import build_parser, main


def _subcommands() -> list[list[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    out: list[list[str]] = []
    for name, child in sub.choices.items():
        out.append([name])
        for action in child._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):
                out.extend([name, nested] for nested in action.choices)
    return out


def test_the_customer_commands_exist() -> None:
    names = {tuple(c) for c in _subcommands()}
    for wanted in [("demo",), ("db", "upgrade"), ("route", "nearest"), ("route", "coverage"), ("simulate",),
                   ("bench", "routing"), ("bench", "render"), ("bench", "ingest")]:
        assert wanted in names, f"missing subcommand {' '.join(wanted)}"


@pytest.mark.parametrize("words", _subcommands(), ids=lambda w: " ".join(w))
def test_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*words, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: commandmap " + " ".join(words))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"commandmap {__version__}"
