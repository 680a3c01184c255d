"""projects/Performance/run_gpu.sh: the checks STEPS names run, each with its own command and
exit status, without a GPU (a stand-in Python records what would run)."""

import os
import pathlib
import stat
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "projects" / "Performance" / "run_gpu.sh"

FAKE_PYTHON = """#!/usr/bin/env bash
echo "$*" >> "$CALLS"
case "$*" in *r50_precision*) exit 3 ;; esac
"""


def _run(tmp_path, steps):
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PYTHON=str(python), OUT=str(tmp_path / "out"), STEPS=steps)
    env["CALLS"] = str(tmp_path / "calls.txt")
    done = subprocess.run(
        ["bash", str(SCRIPT), "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    return [c for c in calls if "tools/benchmark.py" in c or "pytest" in c], tmp_path / "out"


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_steps_selects_checks_and_records_each_exit_status(tmp_path):
    calls, out = _run(tmp_path, "r50_profile r50_precision")
    assert len(calls) == 2  # in the script's order, not STEPS's
    assert "--norms FrozenBN FrozenBN+bf16 GN GN+bf16" in calls[0]
    assert "--profile 3" in calls[1] and "--norms FrozenBN GN" in calls[1]
    # a failing check is recorded and does not end the run
    assert (out / "steps.txt").read_text().split("\n")[:2] == [
        "r50_precision rc=3",
        "r50_profile rc=0",
    ]


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_without_steps_every_check_runs(tmp_path):
    calls, out = _run(tmp_path, "")
    names = [line.split()[0] for line in (out / "steps.txt").read_text().splitlines()]
    assert names == [
        "r50_fp32",
        "r50_amp",
        "ops_fp32",
        "ops_bf16_nhwc",
        "tests",
        "r50_fold_infer",
        "r50_precision",
        "r50_profile",
        "r50_b8_train",
        "r50_compile",
    ]
    assert len(calls) == len(names)
