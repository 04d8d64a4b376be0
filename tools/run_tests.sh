#!/usr/bin/env bash
# Set up (or refresh) the virtual environment, then run the whole test suite.
#
#   bash tools/run_tests.sh [pytest options]      # e.g. -x, -k resume
#
# Exits non-zero if any test fails, and also when no test ran (pytest exit code 5).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="${MIXMIM_VENV:-$repo/.venv}"

bash tools/setup_env.sh
exec "$venv/bin/python" -m pytest tests -q "$@"
