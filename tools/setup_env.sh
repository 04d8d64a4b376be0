#!/usr/bin/env bash
# Create or refresh the project's virtual environment with the pinned OpenMMLab stack.
#
#   bash tools/setup_env.sh            # venv in ./.venv (override with MIXMIM_VENV=/path)
#
# A second run only re-installs when requirements/constraints.txt or setup.cfg changed.
# mmcv 2.1.0 has no PyPI wheel: pip uses one from PIP_FIND_LINKS when given, otherwise this
# script builds it from the PyPI source with the C++20 fix that torch >= 2.14 headers need.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MIXMIM_VENV:-$repo/.venv}"
constraints="$repo/requirements/constraints.txt"
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3

if [ ! -x "$venv/bin/python" ]; then
  echo "[setup_env] creating virtual environment at $venv"
  "$python_bin" -m venv "$venv"
fi
py="$venv/bin/python"
pip_q=(-m pip install --disable-pip-version-check --progress-bar off -q)

stamp="$venv/.mixmim_mm_stamp"
# Editing this script also triggers a refresh.
want="$(cat "$constraints" "$repo/setup.cfg" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$py" -c 'import mixmim_mm, mmcv.ops' 2>/dev/null; then
  echo "[setup_env] environment up to date ($venv)"
  exit 0
fi

pin() { grep -E "^$1==" "$constraints" | head -n1; }

echo "[setup_env] installing torch/torchvision ($(pin torch), $(pin torchvision))"
"$py" "${pip_q[@]}" wheel
"$py" "${pip_q[@]}" -c "$constraints" torch torchvision numpy
# torch 2.14 needs setuptools >= 77.0.3; mmengine 0.10.7 imports pkg_resources (gone in
# setuptools 82) to resolve `mmpretrain::` config bases.
setuptools_pin='setuptools>=77.0.3,<81'
"$py" "${pip_q[@]}" "$setuptools_pin"

if ! "$py" -c 'import mmcv, mmcv.ops' 2>/dev/null; then
  echo "[setup_env] installing $(pin mmcv)"
  if ! "$py" "${pip_q[@]}" -c "$constraints" --only-binary=mmcv mmcv 2>/dev/null; then
    echo "[setup_env] no mmcv wheel found: building $(pin mmcv) from source (about 10 min on 2 cores)"
    build="$(mktemp -d)"
    "$py" -m pip download --disable-pip-version-check -q --no-deps --no-binary=:all: \
      "$(pin mmcv)" -d "$build"
    tar -xzf "$build"/mmcv-*.tar.gz -C "$build"
    src="$(find "$build" -maxdepth 1 -type d -name 'mmcv-*' | head -n1)"
    # torch >= 2.14 headers need C++20; mmcv 2.1.0's setup.py hard-codes C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
    "$py" "${pip_q[@]}" -c "$constraints" addict mmengine opencv-python packaging pyyaml yapf
    # mmcv 2.1.0's setup.py only builds with setuptools < 70; torch wants a newer one at run
    # time, so the old setuptools is only used for this build.
    "$py" "${pip_q[@]}" 'setuptools<70'
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" "$py" "${pip_q[@]}" --no-build-isolation "$src"
    "$py" "${pip_q[@]}" "$setuptools_pin"
    rm -rf "$build"
  fi
fi

echo "[setup_env] installing the OpenMMLab stack and mixmim_mm (editable, with extras)"
"$py" "${pip_q[@]}" -c "$constraints" -e "$repo[det,seg,tests,lint]"
"$py" -c 'import mixmim_mm, mmcv.ops, mmdet, mmseg; print("[setup_env] ok: mmcv", __import__("mmcv").__version__)'
echo "$want" > "$stamp"
