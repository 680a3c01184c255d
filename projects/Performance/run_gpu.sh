#!/usr/bin/env bash
# Every GPU check of projects/Performance in one run (a few minutes on one H100/A100).
# Each check has its own time limit (T_FP32, T_AMP, T_OPS, T_TESTS, T_FOLD, T_PRECISION,
# T_PROFILE, T_B8, T_COMPILE seconds); $OUT/steps.txt lists each one's exit status (124:
# stopped at its limit). STEPS="ops_fp32 r50_profile ..." runs only the checks it names, in
# run()'s order.
#
#   bash projects/Performance/run_gpu.sh pack [WHEELHOUSE]   # where pip can reach the registry
#   bash projects/Performance/run_gpu.sh run  [WHEELHOUSE]   # on the GPU machine (PyTorch there)
#
# `pack` fills WHEELHOUSE (default ./wheelhouse) with detectron2 as gn_det installs it (a
# pure-Python wheel), a gn_det wheel and the wheels of every other package of PYTHON's
# environment except torch/torchvision/CUDA (PACK_PYTHON_VERSION=3.12: binary wheels for the
# GPU machine's Python). `run` installs what is missing from WHEELHOUSE with no registry
# access (if detectron2 and gn_det are not importable yet), then writes everything to
# $OUT (default output/perf_gpu): R50-FPN Mask R-CNN at 800x1333, 2 images per step,
# FrozenBN vs GN with each speed option, and the GN/BN op bandwidth against a copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-run}
WH=$(realpath -m "${2:-wheelhouse}")
PY=${PYTHON:-python}
OUT=${OUT:-output/perf_gpu}

pack() {  # with the venv whose packages are to travel: PYTHON=.venv/bin/python
  mkdir -p "$WH"
  "$PY" tools/install_detectron2.py --wheel-dir "$WH"  # detectron2 repackaged, pure Python
  "$PY" -m pip wheel --no-deps -w "$WH" .
  # gn_det's and detectron2's dependencies as installed here, less torch and its CUDA libs
  # (installing those over the GPU machine's own would break its PyTorch).
  "$PY" -m pip freeze --exclude-editable \
    | grep -v -i -E '^(torch|torchvision|triton|nvidia-|cuda-|pb1-detectron2|gn.det)' > "$WH/requirements.txt"
  local target=() req
  if [ -n "${PACK_PYTHON_VERSION:-}" ]; then target=(--python-version "$PACK_PYTHON_VERSION"); fi
  while read -r req; do  # a binary wheel for the target Python, else built here (pure Python)
    "$PY" -m pip download -q --no-deps --only-binary :all: "${target[@]}" -d "$WH" "$req" \
      || "$PY" -m pip wheel -q --no-deps -w "$WH" "$req"
  done < "$WH/requirements.txt"
  echo "wheelhouse ready: $WH (copy it with this repository to the GPU machine)"
}

install_offline() {
  if "$PY" -c "import detectron2, gn_det" 2>/dev/null; then return; fi
  # By name, not pinned: what the machine has (numpy, ...) stays, the rest comes from $WH.
  # shellcheck disable=SC2046
  "$PY" -m pip install --no-index --find-links "$WH" $(sed 's/[=<>~!;].*//' "$WH/requirements.txt")
  "$PY" -m pip install --no-index --no-deps "$WH"/pb1_detectron2-*.whl "$WH"/gn_det-*.whl
}

step() {  # step NAME SECONDS CMD...: one check, stopped after SECONDS; a failure does not end the run
  local name=$1 limit=$2 rc=0
  shift 2
  if [ -n "${STEPS:-}" ] && [[ " $STEPS " != *" $name "* ]]; then return; fi
  echo "== $name (limit ${limit}s) $(date +%T)"
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.txt" || rc=${PIPESTATUS[0]}
  echo "$name rc=$rc" | tee -a "$OUT/steps.txt"
}

run() {
  install_offline
  "$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0), torch.__version__)"
  mkdir -p "$OUT"
  : > "$OUT/steps.txt"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" || true
  R50=configs/COCO/mask_rcnn_R_50_FPN_1x_gn.yaml
  # MODEL.DEVICE is cuda by default; KEY VALUE overrides would have to come last.
  COMMON=(--config-file "$R50" --synthetic 800x1333 --batch 2 --iters 20 --warmup 5)
  BENCH=("$PY" tools/benchmark.py "${COMMON[@]}")
  # Most telling first, compilation (the slowest to start) last, so a short lease still
  # brings back the fair baseline. Ratios against FrozenBN with folding.
  # 1. The eager speed options (fp32).
  step r50_fp32 "${T_FP32:-150}" "${BENCH[@]}" --json "$OUT/r50_fp32.json" \
    --norms FrozenBN FrozenBN+nofold GN GN+channels_last
  # 2. Mixed precision: bf16 (no loss scaler needed) and fp16 (GradScaler), both norms.
  step r50_amp "${T_AMP:-130}" "${BENCH[@]}" --json "$OUT/r50_amp.json" \
    --norms FrozenBN+bf16 FrozenBN+channels_last+bf16 GN+bf16 GN+channels_last+bf16 GN+fp16
  # 3. GN and BN alone on the model's GN shapes vs a copy (fp32, then bf16 channels_last).
  step ops_fp32 "${T_OPS:-120}" "${BENCH[@]}" --norms GN --ops-only --ops-compile \
    --json "$OUT/ops_fp32.json"
  step ops_bf16_nhwc "${T_OPS:-120}" "${BENCH[@]}" --norms GN+channels_last+bf16 --ops-only \
    --ops-compile --json "$OUT/ops_bf16_nhwc.json"
  # 4. Correctness of the options on this machine (the same tests as on CPU).
  step tests "${T_TESTS:-60}" "$PY" -m pytest -q -p no:cacheprovider tests/modeling/speed
  # 5. Folded against unfolded FrozenBN inference, with rounds enough for the A/A control
  #    (20 rounds of 0.07 s were too few), and bf16 against fp32 side by side in one call.
  step r50_fold_infer "${T_FOLD:-90}" "${BENCH[@]}" --iters 60 --phases infer \
    --json "$OUT/r50_fold_infer.json" --norms FrozenBN FrozenBN+nofold
  step r50_precision "${T_PRECISION:-150}" "${BENCH[@]}" --json "$OUT/r50_precision.json" \
    --norms FrozenBN FrozenBN+bf16 GN GN+bf16
  # 6. Where the step goes: stages, op kinds and the GPU kernels' busy time against the step.
  step r50_profile "${T_PROFILE:-120}" "${BENCH[@]}" --iters 5 --warmup 3 --no-aa --profile 3 \
    --json "$OUT/r50_profile.json" --norms FrozenBN GN
  # 7. Training at 8 images per step, where the GPU is busier than at 2: GN's own cost.
  step r50_b8_train "${T_B8:-150}" "${BENCH[@]}" --batch 8 --phases train --profile 2 \
    --json "$OUT/r50_b8_train.json" --norms FrozenBN GN
  # 8. torch.compile, eager GN as the baseline (on an H200: about 3 minutes; 5 compiled
  #    models at once did not finish in 110 s).
  step r50_compile "${T_COMPILE:-240}" "${BENCH[@]}" --json "$OUT/r50_compile.json" \
    --norms GN GN+compile
  echo "results in $OUT"
}

case "$MODE" in
  pack) pack ;;
  run) run ;;
  *) echo "usage: $0 pack|run [WHEELHOUSE]" >&2; exit 2 ;;
esac
