#!/usr/bin/env bash
# The batch-size study of issue 11, resumable across sessions (from the repository root,
# after `make setup`):
#
#   bash projects/BatchSizeStudy/run.sh [STEP ...]     # default: every step, in this order
#
# STEPs: classification iters convergence groups detection_pretrain detection_finetune
# detection_finetune_convergence report (default), and the from-scratch pilot's detection and
# detection_convergence.
# Each step is one `tools/sweep.py` call: finished runs are skipped, a stopped run resumes,
# a failed one is recorded with its reason (RETRY_FAILED=1 runs it again). Every run that
# finishes is written at once to the step's results folder (runs.csv, curves.csv) and, with
# COMMIT=1 (default), committed there by projects/commit_results.sh; at the end of a step the
# report (summary.csv, claims.csv, tables.md, PNGs) is regenerated and committed. Scratch run
# folders go to $OUT (not committed). DRY=1 lists each step's runs without running any.
#
# Settings: each is a variable below (override from the environment, e.g. SEEDS="0 1 2 3").
# The values marked PILOT come from /work/pilots/REPORT.md; the others are choices to check
# there before the long runs. CPU-hour estimates: projects/BatchSizeStudy/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=projects/commit_with_retries.sh
source projects/commit_with_retries.sh

PY=${PY:-.venv/bin/python}
JOBS=${JOBS:-2}                      # runs at a time, 1 thread each
SEEDS=${SEEDS:-"0 1 2"}
OUT=${OUT:-output/BatchSizeStudy}    # scratch run folders
# A results folder holds one schedule length per study: tools/sweep.py refuses to record a
# run that its runs.csv already holds with another length (CLS_EPOCHS, DET_TRAIN_IMAGES).
# To change a length, point RES and OUT to new folders (or move the old ones away).
RES=${RES:-projects/BatchSizeStudy/results}
COMMIT=${COMMIT:-1}
DRY=${DRY:-0}
RETRY_FAILED=${RETRY_FAILED:-0}
RERUN=${RERUN:-}                     # finished runs to run again (tools/sweep.py --rerun),
RERUN_REASON=${RERUN_REASON:-}       # with the cause found in how they ran
CONFIG=configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml

# Classification (tools/pretrain_backbone.py on shapes crops): ResNet-18 of the tiny config.
CLS_IMAGE_SIZE=${CLS_IMAGE_SIZE:-48}     # PILOT: 48 px crops (32 px: 33.5 % vs 17.8 % error)
CLS_NUM_IMAGES=${CLS_NUM_IMAGES:-1000}   # shapes images for training: 3535 crops, 682 val crops
CLS_EPOCHS=${CLS_EPOCHS:-8}              # PILOT: 4 epochs is not a plateau (3 -> 4: -10 points);
                                         # 8 is to be confirmed by the convergence step (16)
CLS_BASE_LR=${CLS_BASE_LR:-0.05}         # PILOT: LR at batch 32 (0.1: 43 %, 0.2: 79 % at 6 ep)
CLS_NORMS=${CLS_NORMS:-"BN GN LN IN"}
CLS_BATCHES=${CLS_BATCHES:-"32 16 8 4 2"}
CLS_ITERS_BATCHES=${CLS_ITERS_BATCHES:-"32 2"}  # equal iterations (those of batch 32)
GN_GROUPS=${GN_GROUPS:-"1 2 4 8 16 32 64"}
CHANNELS_PER_GROUP=${CHANNELS_PER_GROUP:-"1 2 4 8 16 32 64"}  # all divide 64..512 channels
CONVERGENCE_SCALE=${CONVERGENCE_SCALE:-2}  # doubled schedule at the largest batch
CONVERGENCE_BATCHES=${CONVERGENCE_BATCHES:-32}  # "32 2": also the smallest, so that "flat"
                                                # is tested on the doubled schedule too

# Detection (tools/train_net.py): Mask R-CNN of the tiny config, 200 shapes_val images.
DET_NORMS=${DET_NORMS:-"BN GN GN+WS"}
DET_BATCHES=${DET_BATCHES:-"8 4 2 1"}
DET_TRAIN_IMAGES=${DET_TRAIN_IMAGES:-4000}  # images per cell (4 epochs of shapes_train); PILOT
                                            # (results/detection, 2 runs at 8): no plateau, box
                                            # AP still +10-15 per 1,000 images. Raise it, into
                                            # new RES and OUT folders, before the full step
DET_EVALS=${DET_EVALS:-4}                   # evaluations per run (the learning curve)
# Fine-tuned detection (detection_finetune): each norm live from its own batch-32 classifier
# (the classification step's settings), so that a plateau is within reach of this CPU.
DET_PRE_SEEDS=${DET_PRE_SEEDS:-0}           # pretraining seeds (detection_pretrain)
DET_FT_TRAIN_IMAGES=${DET_FT_TRAIN_IMAGES:-9600}  # images per cell: the carry-over's 4x, where
                                                  # its curves flatten; the convergence step checks
DET_FT_SCALE=${DET_FT_SCALE:-1}             # the grid's length in DET_FT_TRAIN_IMAGES: 2 runs it
                                            # at 19,200 images (labelled epochs_x2), the length
                                            # the README chose; then CONVERGENCE_SCALE=4 checks it
DET_IMAGE_SIZE=${DET_IMAGE_SIZE:-128}       # train and test side (the demo's 128 px)
DET_FT_RESULTS=${DET_FT_RESULTS:-detection_finetune}  # results (and scratch) subfolder of the
                                            # fine-tuned runs: detection_finetune_2x holds the
                                            # 2x grid on one pretraining realization (README)

run_sweep() {  # run_sweep RESULTS_SUBDIR STUDY SWEEP-ARGS...
  local res="$RES/$1" study=$2
  shift 2
  local extra=()
  [ "$DRY" = 1 ] && extra+=(--dry-run)
  [ "$RETRY_FAILED" = 1 ] && extra+=(--retry-failed)
  # shellcheck disable=SC2206
  [ -n "$RERUN" ] && extra+=(--rerun $RERUN --rerun-reason "$RERUN_REASON")
  [ "$COMMIT" = 1 ] && extra+=(--after-run "bash projects/commit_results.sh $res")
  # shellcheck disable=SC2086
  $PY tools/sweep.py --results-dir "$res" --study "$study" --jobs "$JOBS" --threads 1 \
    --seeds $SEEDS "${extra[@]}" "$@"
  if [ "$DRY" != 1 ] && [ "$COMMIT" = 1 ]; then
    commit_with_retries "$res" "results: $study report"
  fi
}

classification() {  # BN/GN/LN/IN x 32..2, equal epochs
  # shellcheck disable=SC2086
  run_sweep classification batch --task classification --config-file "$CONFIG" \
    --output-dir "$OUT/classification" --norms $CLS_NORMS --batches $CLS_BATCHES \
    --epochs "$CLS_EPOCHS" --base-batch 32 --base-lr "$CLS_BASE_LR" \
    --tool-args "--image-size $CLS_IMAGE_SIZE --num-images $CLS_NUM_IMAGES"
}

iters() {  # BN and GN at 32 and 2 with the iterations of batch 32: batch size vs #updates
  # shellcheck disable=SC2086
  run_sweep classification batch --task classification --config-file "$CONFIG" \
    --output-dir "$OUT/classification" --norms BN GN --batches $CLS_ITERS_BATCHES \
    --schedule iters --epochs "$CLS_EPOCHS" --base-batch 32 --base-lr "$CLS_BASE_LR" \
    --tool-args "--image-size $CLS_IMAGE_SIZE --num-images $CLS_NUM_IMAGES"
}

convergence() {  # every norm at CONVERGENCE_BATCHES (32) with twice the epochs
  # shellcheck disable=SC2086
  run_sweep classification batch --task classification --config-file "$CONFIG" \
    --output-dir "$OUT/classification" --norms $CLS_NORMS --batches $CONVERGENCE_BATCHES \
    --schedule-scale "$CONVERGENCE_SCALE" --epochs "$CLS_EPOCHS" --base-batch 32 \
    --base-lr "$CLS_BASE_LR" \
    --tool-args "--image-size $CLS_IMAGE_SIZE --num-images $CLS_NUM_IMAGES"
}

groups() {  # GN group counts and channels per group at batch 32 (the paper's Table 3)
  # shellcheck disable=SC2086
  run_sweep groups groups --task classification --config-file "$CONFIG" \
    --output-dir "$OUT/groups" --norms GN --batches 32 --groups $GN_GROUPS \
    --channels-per-group $CHANNELS_PER_GROUP --epochs "$CLS_EPOCHS" --base-batch 32 \
    --base-lr "$CLS_BASE_LR" \
    --tool-args "--image-size $CLS_IMAGE_SIZE --num-images $CLS_NUM_IMAGES"
}

detection_opts() {  # the tiny config's Mask R-CNN at DET_IMAGE_SIZE px, on 200 val images
  echo "INPUT.MIN_SIZE_TRAIN ($DET_IMAGE_SIZE,) INPUT.MAX_SIZE_TRAIN $DET_IMAGE_SIZE" \
    "INPUT.MIN_SIZE_TEST $DET_IMAGE_SIZE INPUT.MAX_SIZE_TEST $DET_IMAGE_SIZE"
}

detection() {  # BN (live), GN, GN+WS x 8/4/2/1 images per step, equal epochs
  # shellcheck disable=SC2086,SC2046
  run_sweep detection detection --config-file "$CONFIG" --output-dir "$OUT/detection" \
    --norms $DET_NORMS --batches $DET_BATCHES --train-images "$DET_TRAIN_IMAGES" \
    --evals-per-run "$DET_EVALS" $(detection_opts)
}

detection_convergence() {  # twice the schedule at the largest batch
  local largest=${DET_BATCHES%% *}
  # shellcheck disable=SC2086,SC2046
  run_sweep detection detection --config-file "$CONFIG" --output-dir "$OUT/detection" \
    --norms $DET_NORMS --batches "$largest" --train-images "$DET_TRAIN_IMAGES" \
    --schedule-scale "$CONVERGENCE_SCALE" --evals-per-run "$DET_EVALS" $(detection_opts)
}

detection_pretrain() {  # the batch-32 classifiers whose backbones detection_finetune loads
  # The CPU kernels capped at AVX2 (PyTorch, oneDNN, MKL), so that a machine with wider
  # instructions can train the same weights as the AVX2 machine of 2026-12-05 did: there the
  # cap changed nothing (the same fingerprint); the sweep's fingerprint check tells elsewhere.
  # shellcheck disable=SC2086
  ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_CBWR=AVX2 run_sweep detection_pretrain pretrain --task classification --config-file "$CONFIG" \
    --output-dir "$OUT/detection_pretrain" --norms $DET_NORMS --batches 32 \
    --epochs "$CLS_EPOCHS" --base-batch 32 --base-lr "$CLS_BASE_LR" \
    --tool-args "--image-size $CLS_IMAGE_SIZE --num-images $CLS_NUM_IMAGES" \
    --rerun-missing backbone.pkl --seeds $DET_PRE_SEEDS  # retrain on a new machine; these
}                                                      # --seeds replace run_sweep's SEEDS

detection_finetune() {  # each norm live, from its own pretraining, x 8/4/2/1, equal epochs
  # shellcheck disable=SC2086,SC2046
  run_sweep "$DET_FT_RESULTS" detection --config-file "$CONFIG" \
    --output-dir "$OUT/$DET_FT_RESULTS" --norms $DET_NORMS --batches $DET_BATCHES \
    --pretrain-seeds $DET_PRE_SEEDS --train-images "$DET_FT_TRAIN_IMAGES" \
    --schedule-scale "$DET_FT_SCALE" --evals-per-run "$DET_EVALS" "$@" $(detection_opts) \
    MODEL.WEIGHTS "$OUT/detection_pretrain/{norm}_b32_s{pretrain_seed}/backbone.pkl"
}

detection_finetune_convergence() {  # CONVERGENCE_SCALE x the schedule at the largest batch
  detection_finetune --batches "${DET_BATCHES%% *}" --schedule-scale "$CONVERGENCE_SCALE"
}

report() {  # every table, plot and claims.csv from the committed files only
  for study in classification groups detection detection_pretrain detection_finetune \
    detection_finetune_2x; do
    if [ -f "$RES/$study/runs.csv" ]; then
      $PY tools/sweep.py --report-only --results-dir "$RES/$study"
    fi
  done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(classification iters convergence groups detection_pretrain
                                  detection_finetune detection_finetune_convergence report)
for step in "${steps[@]}"; do
  case $step in
    classification|iters|convergence|groups|detection|detection_convergence) "$step" ;;
    detection_pretrain|detection_finetune|detection_finetune_convergence|report) "$step" ;;
    *) echo "run.sh: unknown step $step" >&2; exit 2 ;;
  esac
done
