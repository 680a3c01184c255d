#!/usr/bin/env bash
# Commit a study's results folder in the git repository that holds it, and nothing else:
#   bash projects/commit_results.sh projects/BatchSizeStudy/results/classification [MESSAGE]
# Used as `tools/sweep.py --after-run` (GN_DET_RUN / GN_DET_STATUS name the run) and by the
# studies' run.sh at the end of each step. It never commits while a merge, rebase or
# cherry-pick is in progress, and only the paths of the results folder (`git commit -- DIR`),
# so someone else's staged work stays staged. On failure the files stay as they are: the
# next call commits them (the rows are never lost, only committed later). Exit status 1 then.
set -u
dir=${1:?usage: commit_results.sh RESULTS_DIR [MESSAGE]}
msg=${2:-"results: ${GN_DET_RUN:-report} (${GN_DET_STATUS:-update})"}
[ -d "$dir" ] || { echo "commit_results: $dir is not a folder" >&2; exit 1; }
repo=$(git -C "$dir" rev-parse --show-toplevel) || exit 1
git_dir=$(git -C "$repo" rev-parse --absolute-git-dir) || exit 1
for busy in MERGE_HEAD REBASE_HEAD CHERRY_PICK_HEAD REVERT_HEAD rebase-merge rebase-apply; do
  if [ -e "$git_dir/$busy" ]; then
    echo "commit_results: $busy in $repo; not committing now (the next call will)" >&2
    exit 1
  fi
done
rel=$(realpath --relative-to="$repo" "$dir")
git -C "$repo" add -A -- "$rel" || exit 1
if git -C "$repo" diff --cached --quiet -- "$rel"; then
  exit 0  # nothing new
fi
git -C "$repo" commit -q -m "$msg" -- "$rel"
