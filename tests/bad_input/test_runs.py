"""Runs: one run per output folder, --eval-only without weights, Ctrl-C and a full disk during
training. Each ends in one line (``error:``, ``warning:`` or the interruption) and the
documented exit status, without a traceback."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from gn_det.utils.atomic_file import TMP_MARK
from gn_det.utils.processes import HOST
from gn_det.utils.run_lock import LOCK_NAME

from ..cli.test_lazyconfig_train_net import small_config
from ..conftest import REPO, TINY_CONFIG
from ..run_tools import FAST_TRAINING, run_tool, run_tools, shapes_opts
from .expect import assert_one_error, error_lines, tree_digest


@pytest.fixture(scope="module")
def lazy_config(small_shapes, tmp_path_factory):
    """A LazyConfig file of the Shapes model on the small test splits."""
    return small_config(small_shapes, tmp_path_factory.mktemp("lazy"))


def test_eval_only_without_weights_is_an_error(tmp_path, lazy_config):
    yaml_out, lazy_out = tmp_path / "yaml" / "out", tmp_path / "lazy" / "out"
    procs = run_tools({
        "yaml": ("train_net.py", ["--config-file", TINY_CONFIG, "--eval-only",
                                  "OUTPUT_DIR", yaml_out], tmp_path, None),
        "lazy": ("lazyconfig_train_net.py", ["--config-file", lazy_config, "--eval-only",
                                             f"train.output_dir='{lazy_out}'"], tmp_path, None),
    })  # fmt: skip
    assert_one_error(procs["yaml"], "--eval-only needs trained weights and MODEL.WEIGHTS is empty")
    assert 'pass MODEL.WEIGHTS "")' in procs["yaml"].stderr
    assert_one_error(
        procs["lazy"], "--eval-only needs trained weights and train.init_checkpoint is empty: "
        "add train.init_checkpoint=path/to/model_final.pth, or --resume"
    )  # fmt: skip
    assert 'pass train.init_checkpoint="")' in procs["lazy"].stderr
    assert list(tmp_path.iterdir()) == []


def test_eval_only_with_random_weights_on_purpose(tmp_path, small_shapes):
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, "--eval-only", *shapes_opts(small_shapes),
        "INPUT.MIN_SIZE_TEST", 64, "MODEL.WEIGHTS", "", "OUTPUT_DIR", tmp_path / "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Evaluation results for bbox" in proc.stdout + proc.stderr


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from gn_det.utils.run_lock import RunLock
    with RunLock(sys.argv[1], "python tools/train_net.py (the first run)"):
        print("held", flush=True)
        time.sleep(600)
    """
)


@pytest.fixture(scope="module")
def busy_folder(tmp_path_factory):
    """A folder whose lock a live process holds, with a file of that run in it."""
    folder = tmp_path_factory.mktemp("busy")
    (folder / "log.txt").write_text("the first run's log\n")
    torch.save({"model": {}}, folder / "w.pth")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(folder)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        yield folder, holder.pid
    finally:
        holder.kill()
        holder.wait()


# {tool: its arguments for folder d, the small data's KEY VALUE options and a LazyConfig}
SECOND_RUNS = {
    "train_net.py": lambda d, data, lazy: ["--config-file", TINY_CONFIG, *data, "OUTPUT_DIR", d],
    "lazyconfig_train_net.py": lambda d, data, lazy: ["--config-file", lazy,
                                                      f"train.output_dir='{d}'"],
    "evaluate.py": lambda d, data, lazy: ["--config-file", TINY_CONFIG, "MODEL.WEIGHTS",
                                          d / "w.pth", "OUTPUT_DIR", d],
    "sweep.py": lambda d, data, lazy: ["--config-file", TINY_CONFIG, "--output-dir", d,
                                       "--norms", "GN", "--batches", 2],
    "pretrain_backbone.py": lambda d, data, lazy: ["--config-file", TINY_CONFIG,
                                                   "--output-dir", d, "--num-images", 10],
    "distill_gn_backbone.py": lambda d, data, lazy: ["--config-file", TINY_CONFIG, "--teacher",
                                                     d / "w.pth", "--output-dir", d],
}  # fmt: skip


@pytest.fixture(scope="module")
def second_runs(busy_folder, small_shapes, lazy_config, tmp_path_factory):
    """Every second run into the busy folder, in one batch (from another folder: pretraining
    caches its data in the current one); the busy folder's snapshot before."""
    folder, _ = busy_folder
    before = tree_digest(folder)
    data, cwd = shapes_opts(small_shapes), tmp_path_factory.mktemp("second")
    calls = {tool: (tool, args(folder, data, lazy_config), cwd, None)
             for tool, args in SECOND_RUNS.items()}  # fmt: skip
    return run_tools(calls), before


@pytest.mark.parametrize("tool", sorted(SECOND_RUNS))
def test_a_second_run_into_a_busy_folder_is_refused(busy_folder, second_runs, tool):
    (folder, holder), (procs, before) = busy_folder, second_runs
    line = assert_one_error(procs[tool], f"{folder} is in use by PID {holder} on host {HOST}")
    assert "(the first run)" in line and "wait for it to end" in line
    assert tree_digest(folder) == before


def _stale_lock(folder, record):
    folder.mkdir()
    (folder / LOCK_NAME).write_text(json.dumps(record))


def test_the_lock_of_a_killed_run_is_taken_over_with_a_warning(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    _stale_lock(tmp_path / "sweep", {"pid": int(dead), "host": HOST, "command": "killed"})
    proc = run_tool("sweep.py", "--config-file", TINY_CONFIG, "--output-dir", "sweep",
                    "--norms", "GN", "--batches", 2, "--report-only", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: --output-dir sweep: taking over the lock of a run that ended without "
        f"releasing it (PID {dead} on host {HOST}, started ?: killed)"
    ]
    assert not (tmp_path / "sweep" / LOCK_NAME).exists()


def test_a_lock_from_another_host_is_left_alone(tmp_path):
    _stale_lock(tmp_path / "sweep", {"pid": 1, "host": "elsewhere", "command": "c"})
    proc = run_tool("sweep.py", "--config-file", TINY_CONFIG, "--output-dir", "sweep",
                    "--norms", "GN", "--batches", 2, "--report-only", cwd=tmp_path)  # fmt: skip
    assert_one_error(proc, "--output-dir sweep holds a lock of PID 1 on host elsewhere")
    assert f"if that run has ended, delete sweep/{LOCK_NAME}" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == [LOCK_NAME]


def training(small_shapes, out, *opts):
    """train_net.py's arguments for a short training that saves every second iteration."""
    return [
        "--config-file", str(TINY_CONFIG), *map(str, shapes_opts(small_shapes, test=False)),
        *map(str, FAST_TRAINING), "INPUT.MIN_SIZE_TRAIN", "(64,)",
        "SOLVER.CHECKPOINT_PERIOD", "2", *map(str, opts), "OUTPUT_DIR", str(out),
    ]  # fmt: skip


def _as_in_a_terminal():
    """A new process group whose Ctrl-C (SIGINT) is not ignored, also when the test run was
    started in the background (``&``), which makes every child ignore it."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_is_one_line_saying_how_to_resume(tmp_path, small_shapes):
    out = tmp_path / "out"
    tool = [sys.executable, str(REPO / "tools" / "train_net.py")]
    proc = subprocess.Popen(
        [*tool, *training(small_shapes, out, "SOLVER.MAX_ITER", 1000)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_as_in_a_terminal,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    try:
        deadline = time.time() + 600
        while not (out / "last_checkpoint").exists():  # written after the checkpoint itself
            assert proc.poll() is None and time.time() < deadline, proc.stdout.read()[-3000:]
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
        output = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:  # never leave a run writing checkpoints
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, output[-3000:]
    assert "Traceback" not in output and error_lines(output) == []
    lines = [line for line in output.splitlines() if "interrupted" in line]
    assert len(lines) == 1, output[-3000:]
    match = re.fullmatch(
        r"training interrupted at iteration (\d+) of 1000; the last complete checkpoint is "
        rf"{out}/model_(\d+)\.pth: run the same command with --resume to continue from it at "
        r"iteration (\d+)",
        lines[0],
    )
    assert match, lines[0]
    # The checkpoint is at most the interrupted iteration's (saved in its last hooks).
    assert int(match.group(2)) + 1 == int(match.group(3)) <= int(match.group(1)) + 1
    assert (out / "last_checkpoint").read_text() == f"model_{match.group(2)}.pth"
    assert not (out / LOCK_NAME).exists()
    assert "Warning" not in output  # quiet: the known third-party warnings are filtered


# Makes the disk "full" when the checkpoint of iteration 3 is written.
FULL_DISK = textwrap.dedent(
    """
    import errno, os, torch
    _save = torch.save

    def save(obj, f, *args, **kwargs):
        if isinstance(obj, dict) and obj.get("iteration") == 3:
            f.write(b"the first bytes of a checkpoint")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _save(obj, f, *args, **kwargs)

    torch.save = save
    """
)


def test_a_full_disk_is_one_line_naming_the_checkpoint_to_resume_from(tmp_path, small_shapes):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "sitecustomize.py").write_text(FULL_DISK)
    path = os.pathsep.join(filter(None, [str(tmp_path / "fake"), os.environ.get("PYTHONPATH")]))
    out = tmp_path / "out"
    proc = run_tool("train_net.py", *training(small_shapes, out, "SOLVER.MAX_ITER", 6),
                    cwd=tmp_path, env={"PYTHONPATH": path})  # fmt: skip
    assert_one_error(
        proc,
        f"error: could not write {out}/model_0000003.pth (No space left on device): training "
        f"stopped at iteration 3 of 6; the last complete checkpoint is {out}/model_0000001.pth: "
        "run the same command with --resume to continue from it at iteration 2",
    )
    assert (out / "last_checkpoint").read_text() == "model_0000001.pth"
    names = sorted(p.name for p in out.iterdir())
    assert "model_0000003.pth" not in names and not [n for n in names if TMP_MARK in n]
    assert LOCK_NAME not in names
