#!/usr/bin/env bash
# The carry-over experiment end to end (from the repository root, after `make setup`):
# pretrain a GN and a BN ResNet-18 on shapes crops, fine-tune Mask R-CNN four ways at 2
# images per step, then compare. Each step is skipped when its output exists.
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=output/GNCarryOver
CFG=projects/GNCarryOver/configs
PRETRAIN=(--config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml --epochs 4 --num-images 1000)

for norm in GN BN; do
  dir=$OUT/pretrain_${norm,,}
  [ -f "$dir/results.json" ] || $PY tools/pretrain_backbone.py "${PRETRAIN[@]}" \
    --lr "${LR:-0.05}" --output-dir "$dir" MODEL.NORM.TYPE "$norm" --resume
done
runs=(a_gn_pretrained b_gn_scratch c_bn_pretrained_frozenbn d_bn_pretrained_bn)
for run in "${runs[@]}"; do
  [ -f "$OUT/$run/metrics.json" ] && grep -q '"segm/AP"' "$OUT/$run/metrics.json" && continue
  $PY tools/train_net.py --config-file "$CFG/$run.yaml" --resume
done
$PY tools/compare_runs.py "${runs[@]/#/$OUT/}" --labels a b c d --baseline c \
  --markdown --out-dir projects/GNCarryOver/results
for run in "${runs[@]}"; do
  echo "$run: $(grep -h 'Total training time' "$OUT/$run/log.txt" | tail -1)"
done
