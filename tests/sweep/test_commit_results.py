"""projects/commit_results.sh, the studies' --after-run hook: commits the results folder only,
never during a merge, and a later call commits what an earlier one could not."""

import subprocess

from ..conftest import REPO

SCRIPT = REPO / "projects" / "commit_results.sh"


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def test_commits_only_the_results_folder_and_waits_out_a_merge(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "other.txt").write_text("x")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-qm", "start")
    results = repo / "study" / "results"
    results.mkdir(parents=True)
    (results / "runs.csv").write_text("study\nbatch\n")
    (repo / "other.txt").write_text("someone else's staged work")
    git(repo, "add", "other.txt")
    env = {"GN_DET_RUN": "GN_b2_s0", "GN_DET_STATUS": "done", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", str(SCRIPT), str(results)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert git(repo, "log", "-1", "--format=%s") == "results: GN_b2_s0 (done)\n"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "study/results/runs.csv\n"
    assert git(repo, "diff", "--cached", "--name-only") == "other.txt\n"  # still staged
    # while a merge is in progress nothing is committed; the next call commits the rows
    (results / "runs.csv").write_text("study\nbatch\nbatch\n")
    merge_head = repo / ".git" / "MERGE_HEAD"
    merge_head.write_text(git(repo, "rev-parse", "HEAD"))
    busy = subprocess.run(["bash", str(SCRIPT), str(results)], capture_output=True, text=True)
    assert busy.returncode == 1 and "MERGE_HEAD" in busy.stderr
    merge_head.unlink()
    later = subprocess.run(["bash", str(SCRIPT), str(results), "results: later"])
    assert later.returncode == 0
    assert git(repo, "show", "HEAD:study/results/runs.csv") == "study\nbatch\nbatch\n"
    assert git(repo, "log", "-1", "--format=%s") == "results: later\n"
