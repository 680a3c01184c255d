"""Command-line misuse: argparse's usage and exit status 2, one line saying what is wrong, a
hint for options written after the KEY VALUE overrides; and quiet tools by default. The cases
run in one batch (``run_tools``)."""

import pytest

from ..conftest import REPO, TINY_CONFIG
from ..run_tools import run_tools


def assert_usage_error(proc, expected):
    """Exit status 2 after argparse's usage and one ``<tool>: error: ...`` line."""
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    assert "Traceback" not in output and proc.stderr.startswith("usage: "), output[-3000:]
    errors = [line for line in output.splitlines() if ": error: " in line]
    assert len(errors) == 1 and expected in errors[0], output[-3000:]


LATE_FLAG = "comes after the KEY VALUE overrides"
LAZY_SHAPES = REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py"
CASES = {
    "train_net flag after overrides": (
        "train_net.py", ["--config-file", TINY_CONFIG, "SOLVER.MAX_ITER", 9, "--num-gpus", 2],
        f"--num-gpus {LATE_FLAG} (SOLVER.MAX_ITER ...): options go before KEY VALUE overrides"),
    "evaluate flag after overrides": (
        "evaluate.py", ["--config-file", TINY_CONFIG, "MODEL.WEIGHTS", "w.pth", "--out", "m.json"],
        f"--out {LATE_FLAG} (MODEL.WEIGHTS ...)"),
    "sweep flag after overrides": (
        "sweep.py", ["--config-file", TINY_CONFIG, "--output-dir", "s", "MODEL.NORM.EPS", 1e-5,
                     "--dry-run"],
        f"--dry-run {LATE_FLAG}"),
    "lazyconfig flag after overrides": (
        "lazyconfig_train_net.py", ["--config-file", LAZY_SHAPES, "train.max_iter=9",
                                    "--num-gpus", 2],
        f"--num-gpus {LATE_FLAG} (train.max_iter=9 ...)"),
    "visualize negative count": (
        "visualize.py", ["--config-file", TINY_CONFIG, "--output", "vis", "--num", -3],
        "argument --num: must be > 0, got -3"),
    "visualize zero count": (
        "visualize.py", ["--results", "r.json", "--gt", "g.json", "--image-root", ".",
                         "--output", "vis", "--num", 0],
        "argument --num: must be > 0, got 0"),
    "no processes": (
        "train_net.py", ["--config-file", TINY_CONFIG, "--num-gpus", 0],
        "argument --num-gpus: must be >= 1, got 0"),
    "machine rank out of range": (
        "evaluate.py", ["--config-file", TINY_CONFIG, "--machine-rank", 1],
        "argument --machine-rank: must be in 0..0 (--num-machines 1), got 1"),
    "negative epochs": (
        "sweep.py", ["--config-file", TINY_CONFIG, "--output-dir", "s", "--epochs", -1],
        "argument --epochs: must be >= 0, got -1"),
    "sweep without jobs": (
        "sweep.py", ["--config-file", TINY_CONFIG, "--output-dir", "s", "--jobs", 0],
        "argument --jobs: must be > 0, got 0"),
    "benchmark negative warm-up": (
        "benchmark.py", ["--config-file", TINY_CONFIG, "--warmup", -1],
        "argument --warmup: must be >= 0, got -1"),
    "negative examples": (
        "check_dataset.py", ["--json", "a.json", "--examples", -1],
        "argument --examples: must be >= 0, got -1"),
    "unknown option": (
        "train_net.py", ["--config-file", TINY_CONFIG, "--gpus", 2],
        "unrecognized arguments: --gpus"),
}  # fmt: skip


WARNING_CASES = {
    "default": ({"GN_DET_SHOW_WARNINGS": "0"}, False),
    "GN_DET_SHOW_WARNINGS": ({"GN_DET_SHOW_WARNINGS": "1"}, True),
    "PYTHONWARNINGS": ({"PYTHONWARNINGS": "default"}, True),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{case: (CompletedProcess, folder)} of every case, run in one batch."""
    calls = {}
    for case, (tool, args, _) in CASES.items():
        calls[case] = (tool, args, tmp_path_factory.mktemp("cli"), None)
    for case, (env, _) in WARNING_CASES.items():
        calls[case] = ("evaluate.py", ["--help"], tmp_path_factory.mktemp("cli"), env)
    procs = run_tools(calls)
    return {case: (procs[case], calls[case][2]) for case in calls}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misuse_is_a_usage_error(results, case):
    proc, folder = results[case]
    assert_usage_error(proc, CASES[case][2])
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_known_warnings_are_hidden_unless_asked_for(results, case):
    proc, _ = results[case]
    shown = WARNING_CASES[case][1]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("FutureWarning: `torch.jit.script` is deprecated" in proc.stderr) == shown
    if not shown:
        assert proc.stderr == ""
