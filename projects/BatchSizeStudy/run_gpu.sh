#!/usr/bin/env bash
# Detection fine-tune cells of run.sh on a GPU machine, for one norm per call: a lease carries
# 64 MiB, one classifier (45 MB) at a time. The cells run through run.sh (every seed at once),
# are stopped at DEADLINE seconds, and the results folder comes back as $OUT/results.tgz.
#
#   NORM=GN BACKBONE=output/gpu_carry/GN_b32_s0/backbone.pkl DET_BATCHES=8 \
#     bash projects/BatchSizeStudy/run_gpu.sh [STEP ...]   # default: both detection_finetune steps
#
# RES (default output/gpu_res, ignored by git, so a warm machine keeps it from the last call
# and a cold one gets it carried) collects every call's runs; unpack the tarball into a
# results folder of its own (results/detection_finetune_gpu_<device>): another device is
# another study. On an H200, six runs at once did twice the iterations of one run alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${NORM:?NORM=BN|GN|GN+WS}" "${BACKBONE:?BACKBONE=the backbone.pkl of NORM}"
RETURN=$(realpath -m "${OUT:-output/gpu_return}")  # the lease's folder that comes back
SCRATCH=${SCRATCH:-output/gpu_scratch}
DEADLINE=${DEADLINE:-300}
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(detection_finetune detection_finetune_convergence)
export PY=${PY:-python3} RES=${RES:-output/gpu_res} COMMIT=0 JOBS=${JOBS:-8}
export DETECTRON2_DATASETS=${DETECTRON2_DATASETS:-$SCRATCH/datasets} DET_NORMS=$NORM
export DET_PRE_SEEDS=${DET_PRE_SEEDS:-0}  # one pretraining seed: BACKBONE is its classifier
pretrained=detection_pretrain/${NORM}_b32_s$DET_PRE_SEEDS  # where run.sh's MODEL.WEIGHTS looks
mkdir -p "$RETURN" "$RES"
"$PY" -c "from gn_det.data.shapes import ensure_shapes_dataset as e; e('$DETECTRON2_DATASETS/shapes')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$RETURN/gpu.txt" || true

pids=()
for step in "${steps[@]}"; do  # the steps side by side (a run folder each), all runs at once
  mkdir -p "$SCRATCH/$step/$pretrained"
  cp "$BACKBONE" "$SCRATCH/$step/$pretrained/backbone.pkl"
  OUT=$SCRATCH/$step setsid bash projects/BatchSizeStudy/run.sh "$step" > "$RETURN/$step.log" 2>&1 &
  pids+=($!)
done
running() { local pid; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
start=$SECONDS
while [ $((SECONDS - start)) -lt "$DEADLINE" ] && running; do
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader \
    >> "$RETURN/gpu_use.txt" 2>/dev/null || true
  sleep 2
done
for pid in "${pids[@]}"; do kill -- -"$pid" 2>/dev/null || true; done  # a stopped run resumes in the
# next call while the machine is warm (scratch folders stay), else it is lost
sleep 2  # each finished run's report is already written (the sweep rewrites it per run)
tar czf "$RETURN/results.tgz" -C "$RES" .
tar czf "$RETURN/runs.tgz" --exclude '*.pth' --exclude '*.pkl' --exclude datasets -C "$SCRATCH" .
echo "after $((SECONDS - start)) s: $(grep -c ',done,' "$RES/detection_finetune/runs.csv" 2>/dev/null) done rows"
