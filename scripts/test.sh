#!/usr/bin/env bash
# One command for the whole check: install, dependency contracts, the test suite
# (SQLite always; PostgreSQL/MQTT when their servers answer), then prove the
# wheel works from a fresh venv in another folder. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
export COMMANDMAP_TEST_PG_URL=${COMMANDMAP_TEST_PG_URL:-postgresql://127.0.0.1:5432/test}
export COMMANDMAP_TEST_MQTT=${COMMANDMAP_TEST_MQTT:-127.0.0.1:1883}
# the full-scale demo city (25,000 officers, 269k road nodes) is built once in the suite (~25 s)
export COMMANDMAP_TEST_FULL_DEMO=${COMMANDMAP_TEST_FULL_DEMO:-1}
echo "== import contracts"
.venv/bin/lint-imports
echo "== types (mypy: strict on routing/ and commandmap/domain/, normal elsewhere)"
.venv/bin/python -m mypy --ignore-missing-imports routing commandmap layers
echo "== tests"
# two workers (pytest-xdist), a test file per worker at a time: the module fixtures are built once
# and the suite takes ~6 min on 2 cores instead of ~14
.venv/bin/python -m pytest -q -p no:cacheprovider -n "${COMMANDMAP_TEST_WORKERS:-2}" --dist loadfile "$@"
echo "== wheel in a fresh venv"
bash scripts/check-wheel.sh
