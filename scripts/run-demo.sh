#!/usr/bin/env bash
# One command for a newcomer: install everything, then open the app on the
# embedded Ningbo demo city (built on first start). Extra args go to `commandmap`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/commandmap "$@"
