"""projects/BatchSizeStudy/run.sh's detection lengths, with a stand-in Python that records
each tools/sweep.py call: DET_FT_SCALE sets the grid's length, and the convergence step's
CONVERGENCE_SCALE comes after it on the command line, so it is the one argparse keeps."""

import os
import pathlib
import stat
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "projects" / "BatchSizeStudy" / "run.sh"

FAKE_PYTHON = """#!/usr/bin/env bash
echo "$* CAP=${ATEN_CPU_CAPABILITY:-none}/${ONEDNN_MAX_CPU_ISA:-none}/${MKL_CBWR:-none}" >> "$CALLS"
"""


def _sweep_calls(tmp_path, steps, **settings):
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.txt"
    calls.unlink(missing_ok=True)
    env = dict(os.environ, PY=str(python), CALLS=str(calls), COMMIT="0", **settings)
    done = subprocess.run(
        ["bash", str(SCRIPT), *steps], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [c.split() for c in calls.read_text().splitlines() if "--report-only" not in c]


def _last(args, flag):
    return [a for f, a in zip(args, args[1:]) if f == flag][-1]


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_grid_length_and_convergence_length(tmp_path):
    (grid,) = _sweep_calls(tmp_path, ["detection_finetune"], DET_FT_SCALE="2")
    assert _last(grid, "--schedule-scale") == "2"
    assert _last(grid, "--batches") == "8" and grid[grid.index("--batches") + 4] == "1"

    (check,) = _sweep_calls(
        tmp_path, ["detection_finetune_convergence"], DET_FT_SCALE="2", CONVERGENCE_SCALE="4"
    )
    assert _last(check, "--schedule-scale") == "4"
    assert _last(check, "--batches") == "8"


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_default_grid_is_the_recorded_length(tmp_path):
    (grid,) = _sweep_calls(tmp_path, ["detection_finetune"])
    assert _last(grid, "--schedule-scale") == "1"  # the 9,600-image runs already committed
    assert _last(grid, "--train-images") == "9600"


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_the_2x_grid_folder_and_the_pretraining_kernel_cap(tmp_path):
    (grid,) = _sweep_calls(tmp_path, ["detection_finetune"], DET_FT_RESULTS="detection_finetune_2x")
    assert _last(grid, "--results-dir").endswith("results/detection_finetune_2x")
    assert _last(grid, "--output-dir").endswith("detection_finetune_2x")
    assert grid[-1] == "CAP=none/none/none"  # fine-tunings run with the machine's kernels
    (pretrain,) = _sweep_calls(tmp_path, ["detection_pretrain"])
    assert pretrain[-1] == "CAP=avx2/AVX2/AVX2"  # the classifiers they share, capped
