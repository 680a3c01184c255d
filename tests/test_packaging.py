"""gn_det installed as a plain (non-editable) package works without the repository: the
library calls its tools as ``python -m gn_det.cli.<tool>``, never by a path into tools/."""

import os
import subprocess
import sys

import pytest

from .conftest import REPO, TINY_CONFIG
from .run_tools import FAST_TRAINING, shapes_opts


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A folder holding gn_det installed from a wheel (torch, detectron2 come from the venv)."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(build), str(REPO)],
        check=True, capture_output=True, cwd=build,
    )  # fmt: skip
    wheel = next(build.glob("gn_det-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def run_installed(installed, cwd, *args):
    env = {**os.environ, "PYTHONPATH": str(installed), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def test_the_wheel_holds_the_package_not_the_tools(installed, tmp_path):
    proc = run_installed(installed, tmp_path, "-c", "import gn_det; print(gn_det.__file__)")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().startswith(str(installed))
    assert (installed / "gn_det" / "cli" / "train_net.py").is_file()
    assert not (installed / "tools").exists()


def test_sweep_dry_run_and_training_from_the_installed_package(installed, tmp_path, small_shapes):
    sweep = run_installed(
        installed, tmp_path, "-m", "gn_det.cli.sweep", "--config-file", TINY_CONFIG,
        "--output-dir", tmp_path / "sweep", "--norms", "GN", "--batches", 2, "--dry-run",
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr[-2000:]
    assert "GN_b2: pending" in sweep.stdout
    train = run_installed(
        installed, tmp_path, "-m", "gn_det.cli.train_net", "--config-file", TINY_CONFIG,
        *shapes_opts(small_shapes, test=False), *FAST_TRAINING, "SOLVER.MAX_ITER", 2,
        "OUTPUT_DIR", tmp_path / "run",
    )  # fmt: skip
    assert train.returncode == 0, train.stderr[-3000:]
    assert (tmp_path / "run" / "model_final.pth").is_file()
