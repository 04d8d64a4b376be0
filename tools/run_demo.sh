#!/usr/bin/env bash
# The README's first command: set up the environment, then pretrain a mini MixMAE for a few
# minutes on 2 CPU cores on the photographs bundled with scikit-image (nothing is downloaded),
# and write the checkpoint, the log and reconstruction pictures into a work dir.
#
#   bash tools/run_demo.sh                              # into ./work_dirs/demo
#   bash tools/run_demo.sh /tmp/my_demo                 # another work dir
#   bash tools/run_demo.sh work_dirs/mine \
#       --cfg-options train_dataloader.dataset.data_root=/my/images
#
# Everything after the (optional) work dir goes to tools/train.py unchanged.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="$repo/configs/mixmae/mixmae_swin-mini_1xb32-1200iter_sample-images.py"
work_dir="$repo/work_dirs/demo"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  work_dir="$1"
  shift
fi

bash "$repo/tools/setup_env.sh"
py="${MIXMIM_VENV:-$repo/.venv}/bin/python"

echo "[run_demo] pretraining a mini MixMAE into $work_dir (a few minutes on 2 CPU cores)"
start=$(date +%s)
"$py" "$repo/tools/train.py" "$config" --work-dir "$work_dir" "$@"
echo "[run_demo] training took $(( $(date +%s) - start )) s"

"$py" - "$work_dir" <<'EOF'
import glob
import json
import os
import sys

work_dir = sys.argv[1]
run_dirs = sorted(d for d in glob.glob(os.path.join(work_dir, '*')) if os.path.isdir(d)
                  and glob.glob(os.path.join(d, '*.log')))
with open(os.path.join(work_dir, 'last_checkpoint')) as f:
    ckpt = f.read().strip()
pictures = sorted(glob.glob(os.path.join(work_dir, 'reconstructions', 'iter_*.png')))
print('[run_demo] done')
print(f'  checkpoint:      {ckpt}')
if run_dirs:
    run = run_dirs[-1]
    print(f'  log:             {glob.glob(os.path.join(run, "*.log"))[0]}')
    losses = []
    for path in glob.glob(os.path.join(run, 'vis_data', 'scalars.json')):
        with open(path) as f:
            losses = [json.loads(line) for line in f if '"loss"' in line]
    if losses:
        first, last = losses[0], losses[-1]
        print(f"  loss:            {first['loss']:.4f} (iter {first['iter']}) -> "
              f"{last['loss']:.4f} (iter {last['iter']})")
if pictures:
    print(f'  reconstructions: {pictures[-1]}')
    print(f'                   (first: {pictures[0]}; one row per mixed input: originals, '
          'mixed input, reconstructions)')
EOF
