#!/usr/bin/env bash
# The carry-over study of issue 11, resumable across sessions (from the repository root,
# after `make setup`):
#
#   bash projects/GNCarryOver/run.sh [STEP ...]   # default: pretrain distill finetune plateau report
#
# pretrain   GN and BN ResNet-18 classifiers, PRE_SEEDS seeds each (tools/sweep.py --task
#            classification): output/GNCarryOver/pretrain/{GN,BN}_b32_s<p>/backbone.pkl
# distill    (e) each BN teacher distilled into GN on the unlabeled shapes images, JOBS at a time
#            (tools/distill_gn_backbone.py): output/GNCarryOver/distill/s<p>/backbone.pkl, its
#            results.json copied to results/distill/s<p>.json; until these weights exist for
#            every pretraining seed, the fine-tuning steps run (a)-(d) only
# finetune   (a)-(e) x PRE_SEEDS x SEEDS at the configs' schedule (1x: 1200 iterations of 2)
# plateau    the same at PLATEAU_SCALE x the schedule
# plateau_check  (optional, not in the default list) (a) and (c) at 2 x PLATEAU_SCALE for the
#            convergence rule, with CHECK_PRE_SEEDS pretraining seeds
# pretrain_x2  (optional) PRE_X2_NORMS pretrained twice as long (schedule epochs_x2), for the
#            knobs and the pretraining's own convergence rule
# knobs      (optional) configs/knobs/<KNOBS>.yaml x PRE_SEEDS x SEEDS at 1x: (a) or (c) with one
#            setting changed (e.g. a_gn_pretrained_pre_x2: weights of pretrain_x2), each judged
#            against the variant it changes and against (c)
# report     tables, plots, paired differences and claims.csv from the committed files
#
# Finished runs are skipped, stopped ones resume, failed ones are recorded with their reason
# (RETRY_FAILED=1 runs them again). Each run's rows go to projects/GNCarryOver/results/*/
# runs.csv and curves.csv as it finishes and, with COMMIT=1 (default), are committed there by
# projects/commit_results.sh. DRY=1 lists the runs of each step without running them.
# Settings are the variables below (override from the environment). CPU-hour estimates:
# projects/GNCarryOver/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=projects/commit_with_retries.sh
source projects/commit_with_retries.sh

PY=${PY:-.venv/bin/python}
JOBS=${JOBS:-2}                    # runs at a time, 1 thread each
PRE_SEEDS=${PRE_SEEDS:-"0 1"}      # pretraining seeds
SEEDS=${SEEDS:-"0 1 2"}            # fine-tuning seeds
PRE_EPOCHS=${PRE_EPOCHS:-8}        # pretraining: the batch-size study's length (4-5 % error at 32)
PRE_NUM_IMAGES=${PRE_NUM_IMAGES:-1000}
PRE_IMAGE_SIZE=${PRE_IMAGE_SIZE:-48}
PRE_LR=${PRE_LR:-0.05}             # at batch 32
DISTILL_EPOCHS=${DISTILL_EPOCHS:-16}  # (e): 4 (the first study's) stopped with the loss still falling
DISTILL_IMAGE_SIZE=${DISTILL_IMAGE_SIZE:-96}
PLATEAU_SCALE=${PLATEAU_SCALE:-4}  # x the configs' 1200 iterations; 2x was not yet flat
EVALS=${EVALS:-6}                  # evaluations per fine-tuning run (the learning curves)
VARIANTS_ONLY=${VARIANTS_ONLY:-}   # finetune/plateau: only these configs (e.g. "a_gn_pretrained b_gn_scratch")
CHECK_PRE_SEEDS=${CHECK_PRE_SEEDS:-"0"}
PRE_X2_NORMS=${PRE_X2_NORMS:-"GN BN"}  # pretrain_x2: the backbones pretrained twice as long
KNOBS=${KNOBS:-"a_gn_pretrained_pre_x2 c_bn_pretrained_frozenbn_pre_x2
  a_gn_pretrained_freeze0 c_bn_pretrained_frozenbn_freeze0
  a_gn_pretrained_wd_norm c_bn_pretrained_frozenbn_wd_norm
  a_gn_pretrained_norm_lr_tenth c_bn_pretrained_frozenbn_norm_lr_tenth
  a_gn_pretrained_warmup_x4 c_bn_pretrained_frozenbn_warmup_x4"}  # configs/knobs/*.yaml
COMMIT=${COMMIT:-1}
DRY=${DRY:-0}
RETRY_FAILED=${RETRY_FAILED:-0}
OUT=output/GNCarryOver             # fixed: the configs' MODEL.WEIGHTS point into it
RES=${RES:-projects/GNCarryOver/results}  # results folders (committed)
CFG=projects/GNCarryOver/configs
VARIANTS=(a_gn_pretrained b_gn_scratch c_bn_pretrained_frozenbn d_bn_pretrained_bn)

sweep() {  # sweep RESULTS_SUBDIR STUDY SWEEP-ARGS...
  local res="$RES/$1" study=$2
  shift 2
  local extra=()
  [ "$DRY" = 1 ] && extra+=(--dry-run)
  [ "$RETRY_FAILED" = 1 ] && extra+=(--retry-failed)
  [ "$COMMIT" = 1 ] && extra+=(--after-run "bash projects/commit_results.sh $res")
  $PY tools/sweep.py --results-dir "$res" --study "$study" --jobs "$JOBS" --threads 1 \
    "${extra[@]}" "$@"
  if [ "$DRY" != 1 ] && [ "$COMMIT" = 1 ]; then
    commit_with_retries "$res" "results: $study report"
  fi
}

pretrain() {  # pretrain [NORMS [SWEEP-ARGS...]]: the classifiers whose backbones fine-tuning loads
  local norms=${1:-"GN BN"}
  shift $(($# > 0 ? 1 : 0))
  # shellcheck disable=SC2086
  sweep pretrain pretrain --task classification \
    --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml --output-dir "$OUT/pretrain" \
    --norms $norms --batches 32 --seeds $PRE_SEEDS --epochs "$PRE_EPOCHS" --base-batch 32 \
    --base-lr "$PRE_LR" --tool-args "--num-images $PRE_NUM_IMAGES --image-size $PRE_IMAGE_SIZE" \
    --rerun-missing backbone.pkl "$@"  # fine-tuning needs the weights: retrain on a new machine
}

pretrain_x2() {
  pretrain "$PRE_X2_NORMS" --schedule-scale 2
}

distill_one() {  # distill_one P: pretraining seed P's BN teacher distilled into GN, its results
  local p=$1 teacher="$OUT/pretrain/BN_b32_s$1/backbone.pkl"
  local out="$OUT/distill/s$1"  # its backbone.pkl is what e_bn_distilled_gn.yaml loads
  if [ ! -f "$out/results.json" ]; then
    OMP_NUM_THREADS=1 $PY tools/distill_gn_backbone.py \
      --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml --teacher "$teacher" \
      --output-dir "$out" --data shapes --image-size "$DISTILL_IMAGE_SIZE" \
      --epochs "$DISTILL_EPOCHS" --resume SEED "$p" || return 1
  fi
  mkdir -p "$RES/distill"
  cp "$out/results.json" "$RES/distill/s$p.json"
  if [ "$COMMIT" = 1 ]; then
    commit_with_retries "$RES/distill" "results: distill s$p"
  fi
}

distill() {  # (e): each BN teacher distilled into GN on the unlabeled shapes images, JOBS at a time
  local p teacher running=0 failed=0
  for p in $PRE_SEEDS; do
    teacher="$OUT/pretrain/BN_b32_s$p/backbone.pkl"
    if [ "$DRY" = 1 ]; then
      if [ -f "$OUT/distill/s$p/results.json" ]; then
        echo "distill s$p: done"
      else
        echo "distill s$p: pending ($teacher -> $OUT/distill/s$p/backbone.pkl)"
      fi
      continue
    fi
    if [ ! -f "$teacher" ]; then
      echo "run.sh: (e) needs the BN teacher $teacher: run the pretrain step first" >&2
      continue
    fi
    if [ "$running" -ge "$JOBS" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    distill_one "$p" &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  [ "$failed" = 0 ] || { echo "run.sh: a distillation failed (its log is above)" >&2; return 1; }
}

variant_configs() {  # (a)-(d), and (e) once its weights exist for every pretraining seed
  local configs=("${VARIANTS[@]/#/$CFG/}") p v
  if [ -n "$VARIANTS_ONLY" ]; then
    for v in $VARIANTS_ONLY; do echo -n "$CFG/$v.yaml "; done
    return
  fi
  configs=("${configs[@]/%/.yaml}")
  for p in $PRE_SEEDS; do
    [ -f "$OUT/distill/s$p/backbone.pkl" ] || { echo "${configs[@]}"; return; }
  done
  echo "${configs[@]}" "$CFG/e_bn_distilled_gn.yaml"
}

finetune() {  # finetune [--schedule-scale K]
  # shellcheck disable=SC2046,SC2086
  sweep finetune carryover --configs $(variant_configs) --pretrain-seeds $PRE_SEEDS \
    --seeds $SEEDS --output-dir "$OUT/finetune" --evals-per-run "$EVALS" "$@"
}

plateau() {
  finetune --schedule-scale "$PLATEAU_SCALE"
}

plateau_check() {  # the convergence rule: (a) and (c) at twice the plateau schedule
  # shellcheck disable=SC2086
  sweep finetune carryover --configs "$CFG/a_gn_pretrained.yaml" \
    "$CFG/c_bn_pretrained_frozenbn.yaml" --pretrain-seeds $CHECK_PRE_SEEDS --seeds $SEEDS \
    --output-dir "$OUT/finetune" --evals-per-run "$EVALS" \
    --schedule-scale $((2 * PLATEAU_SCALE))
}

knobs() {
  local configs=() knob
  for knob in $KNOBS; do configs+=("$CFG/knobs/$knob.yaml"); done
  # shellcheck disable=SC2086
  sweep finetune carryover --configs "${configs[@]}" --pretrain-seeds $PRE_SEEDS --seeds $SEEDS \
    --output-dir "$OUT/finetune" --evals-per-run "$EVALS"
}

report() {
  for study in pretrain finetune; do
    if [ -f "$RES/$study/runs.csv" ]; then
      $PY tools/sweep.py --report-only --results-dir "$RES/$study"
    fi
  done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(pretrain distill finetune plateau report)
for step in "${steps[@]}"; do
  case $step in
    pretrain|pretrain_x2|distill|finetune|plateau|plateau_check|knobs|report) "$step" ;;
    *) echo "run.sh: unknown step $step" >&2; exit 2 ;;
  esac
done
