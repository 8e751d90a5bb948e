#!/usr/bin/env bash
# `pip install .` into a fresh venv and run commandmap from another folder:
# proves the wheel carries data/ and resources/ and needs no source checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$root" >/dev/null
cd "$work"
export COMMANDMAP_HOME="$work/home" QT_QPA_PLATFORM=offscreen
"$work/venv/bin/commandmap" --version
"$work/venv/bin/python" - <<'PY'
from commandmap.paths import data_dir, resources_dir
import commandmap
assert "site-packages" in commandmap.__file__, commandmap.__file__
for d in (data_dir(), resources_dir()):
    assert d.is_dir() and any(d.iterdir()), f"missing shipped folder {d}"
qm = resources_dir() / "i18n" / "commandmap_zh_CN.qm"
assert qm.is_file() and qm.stat().st_size > 100, f"missing Chinese catalogue {qm}"
print("wheel carries", data_dir().name, "and", resources_dir().name, "with the Chinese catalogue")
PY
if "$work/venv/bin/commandmap" demo --help >/dev/null 2>&1; then
  "$work/venv/bin/commandmap" demo --scale mini --db "sqlite:///$work/mini.sqlite3"
fi
echo "wheel check: ok"
