#!/usr/bin/env bash
# OpenMMLab's lint over the tree: flake8, isort, yapf and codespell, with the settings in
# setup.cfg and the versions pinned in requirements/constraints.txt (installed into the venv
# by tools/setup_env.sh). Reports every violation, exits non-zero if there is any.
#
#   bash tools/lint.sh          # check
#   bash tools/lint.sh --fix    # let isort and yapf rewrite the files, then check
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
py="${MIXMIM_VENV:-$repo/.venv}/bin/python"
paths=(mixmim_mm configs tools tests setup.py)

if [ "${1:-}" = "--fix" ]; then
  "$py" -m isort "${paths[@]}"
  "$py" -m yapf --in-place --recursive "${paths[@]}"
fi

status=0
run() {
  if ! "$py" -m "$@"; then
    echo "[lint] $1 found violations" >&2
    status=1
  fi
}
run flake8 "${paths[@]}"
run isort --check-only --diff --quiet "${paths[@]}"
run yapf --diff --recursive "${paths[@]}"
run codespell_lib "${paths[@]}" README.md
[ "$status" -eq 0 ] && echo "[lint] clean: flake8, isort, yapf, codespell"
exit "$status"
