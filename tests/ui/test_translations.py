"""The shipped catalogues: complete, in step with the code, compiled from what is committed."""

from __future__ import annotations

import os
import string
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import PySide6
import pytest

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
ZH_TS = I18N / "commandmap_zh_CN.ts"
ZH_QM = I18N / "commandmap_zh_CN.qm"
QT_TOOLS = Path(PySide6.__file__).resolve().parent       # lupdate/lrelease ship inside PySide6
HOW_TO_FIX = "run scripts/build-translations.sh, translate in Qt Linguist, run it again"

Key = tuple[str, str, str]          # (context, source, disambiguation comment)


def messages(ts: Path) -> dict[Key, ET.Element]:
    root = ET.parse(ts).getroot()
    out: dict[Key, ET.Element] = {}
    for ctx in root.iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            out[(name, msg.findtext("source") or "", msg.findtext("comment") or "")] = msg
    return out


def fields(text: str) -> set[str]:
    """The names of the `str.format` fields in `text` (the translation must keep them)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def build_into(folder: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, LUPDATE=str(QT_TOOLS / "lupdate"), LRELEASE=str(QT_TOOLS / "lrelease"))
    return subprocess.run(["bash", str(ROOT / "scripts" / "build-translations.sh"), "--into", str(folder)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogues as the build script makes them now from the code, in a temp folder."""
    folder = tmp_path_factory.mktemp("i18n")
    done = build_into(folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_the_qt_tools_ship_with_pyside6() -> None:
    assert (QT_TOOLS / "lupdate").is_file() and (QT_TOOLS / "lrelease").is_file()


def test_simplified_chinese_is_complete() -> None:
    problems = []
    for (ctx, source, _), msg in messages(ZH_TS).items():
        tr = msg.find("translation")
        assert tr is not None
        texts = [f.text or "" for f in tr.iter("numerusform")] if msg.get("numerus") == "yes" else [tr.text or ""]
        if tr.get("type"):                         # unfinished, obsolete, vanished
            problems.append(f"{ctx}: {source!r} is {tr.get('type')}")
        elif not all(t.strip() for t in texts):
            problems.append(f"{ctx}: {source!r} has an empty translation")
        elif any(fields(t) != fields(source) for t in texts):
            problems.append(f"{ctx}: {source!r} -> {texts!r} changes the {{fields}}")
    assert not problems, "\n".join(problems + [HOW_TO_FIX])
    assert len(messages(ZH_TS)) > 50


def test_catalogue_holds_exactly_the_strings_of_the_code(rebuilt: Path) -> None:
    committed = set(messages(ZH_TS))
    current = set(messages(rebuilt / ZH_TS.name))
    missing = sorted(current - committed)
    gone = sorted(committed - current)
    assert not missing and not gone, f"missing from the .ts: {missing}\nno longer in the code: {gone}\n{HOW_TO_FIX}"


def test_compiled_catalogue_is_what_lrelease_makes_of_the_committed_source(tmp_path: Path) -> None:
    qm = tmp_path / ZH_QM.name
    done = subprocess.run([str(QT_TOOLS / "lrelease"), "-silent", "-nounfinished", str(ZH_TS), "-qm", str(qm)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert qm.read_bytes() == ZH_QM.read_bytes(), f"{ZH_QM.name} is stale: {HOW_TO_FIX}"


def test_the_build_script_leaves_the_committed_catalogue_as_it_is(rebuilt: Path) -> None:
    assert (rebuilt / ZH_QM.name).read_bytes() == ZH_QM.read_bytes()
