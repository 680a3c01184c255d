# Sourced by the studies' run.sh: commit_with_retries RESULTS_DIR MESSAGE commits the folder
# with projects/commit_results.sh, trying again once a minute for up to 10 minutes (the lead
# may be merging); if it never can, it says so and the files stay written for a later commit.
commit_with_retries() {
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    bash projects/commit_results.sh "$1" "$2" && return 0
    sleep 60
  done
  echo "run.sh: could not commit $1; its files are written, commit them later" >&2
}
