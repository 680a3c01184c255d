"""tools/sweep.py as a user runs it: bad input, invalid cells, and one real tiny cell."""

import json
import pickle
import shutil

import numpy as np
import pytest

from gn_det.cli import run_cli, sweep
from gn_det.sweep import StudyRecords, read_results

from ..conftest import TINY_CONFIG
from ..run_tools import FAST_TRAINING, run_tool, shapes_opts


def sweep_main(*args):
    """Run the tool in-process; its exit message (None on success)."""
    try:
        run_cli(sweep.main, [str(a) for a in args])
    except SystemExit as e:
        return str(e.code)
    return None


@pytest.mark.parametrize(
    "args,message",
    [
        (["--config-file", "nope.yaml"], "error: --config-file nope.yaml does not exist"),
        (["--batches", 4, 0], "error: --batches 0: must be a positive integer"),
        (["--norms", "GN+BN"], "error: --norms 'GN+BN': unknown option(s) BN"),
        (["SOLVER.NOPE", 1], "error: bad KEY VALUE override: Non-existent key: SOLVER.NOPE"),
    ],
)
def test_bad_input_is_one_error_line(tmp_path, args, message):
    base = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path]
    assert sweep_main(*base, *args).startswith(message)
    assert not (tmp_path / "results.csv").exists()


def test_groups_that_do_not_divide_a_layer_make_the_cell_invalid(tmp_path, capsys):
    assert sweep_main("--config-file", TINY_CONFIG, "--output-dir", tmp_path, "--norms", "GN",
                      "--batches", 4, "--groups", 16, 48, "--dry-run") is None  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "GN_b4_g16: pending"
    assert lines[1].startswith("GN_b4_g48: invalid MODEL.NORM.NUM_GROUPS=48 does not divide")
    assert "backbone.bottom_up.stem.conv1 has 64 channels" in lines[1]


def test_a_real_cell_runs_then_is_skipped(small_shapes, tmp_path):
    args = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path / "sw", "--norms", "GN+WS",
            "--batches", 2, "--train-images", 2]  # fmt: skip
    args += [*FAST_TRAINING, *shapes_opts(small_shapes)]
    proc = run_tool("sweep.py", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "sweep: [1/1] GN+WS_b2 done (bbox_ap" in proc.stdout
    (row,) = read_results(tmp_path / "sw" / "results.csv")
    assert row["status"] == "done" and row["iters"] == 1 and row["bbox_ap"] is not None
    config = (tmp_path / "sw" / "GN+WS_b2" / "config.yaml").read_text()
    assert "WS: true" in config and "MAX_ITER: 1\n" in config
    assert sweep_main(*args) is None  # finished: skipped, nothing runs
    assert read_results(tmp_path / "sw" / "results.csv") == [row]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--seeds", 0, -2], "error: --seeds -2: must be >= 0"),
        (["--pretrain-seeds", 0], "error: --pretrain-seeds goes with --configs or with a"),
        (
            ["MODEL.WEIGHTS", "p/{norm}_s{pretrain_seed}.pkl"],
            "error: MODEL.WEIGHTS p/{norm}_s{pretrain_seed}.pkl names {pretrain_seed}; give",
        ),
        (
            ["--pretrain-seeds", 0, "--task", "classification", "MODEL.WEIGHTS", "{pretrain_seed}"],
            "error: --pretrain-seeds goes with --configs or with a detection grid",
        ),
        (["--schedule-scale", 0], "error: --schedule-scale 0.0: must be > 0"),
    ],
)
def test_bad_sweep_options(tmp_path, args, message):
    base = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path / "out"]
    assert sweep_main(*base, *args).startswith(message)


def test_configs_and_report_only_input_errors(tmp_path):
    assert sweep_main("--configs", TINY_CONFIG, "--norms", "GN", "--output-dir", tmp_path
                      ).startswith("error: --configs runs each config as it is")  # fmt: skip
    assert sweep_main("--configs", tmp_path / "nope.yaml", "--output-dir", tmp_path) == (
        f"error: --configs {tmp_path / 'nope.yaml'} does not exist"
    )
    assert sweep_main("--report-only").startswith("error: --report-only needs --results-dir")
    message = sweep_main("--report-only", "--results-dir", tmp_path / "empty")
    assert message.startswith("error: ") and "holds no runs" in message
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "runs.csv").write_text("study,norm\nx,GN\n")
    assert "is not a sweep results file: no column batch" in sweep_main(
        "--report-only", "--results-dir", tmp_path / "bad"
    )


def test_a_two_seed_classification_study_end_to_end(tmp_path):
    """Two seeds of one tiny cell, two at a time, into a results folder; then the report from
    a copy of that folder alone."""
    out, results = tmp_path / "scratch", tmp_path / "results"
    args = ["--task", "classification", "--config-file", TINY_CONFIG, "--output-dir", out,
            "--results-dir", results, "--study", "tiny", "--norms", "GN", "--batches", 8,
            "--seeds", 0, 1, "--epochs", 2, "--jobs", 2, "--base-lr", 0.08,
            "--tool-args", "--image-size 32 --num-images 12",
            "--after-run", f"echo $GN_DET_RUN >> {tmp_path / 'hook.txt'}"]  # fmt: skip
    env = {"DETECTRON2_DATASETS": str(tmp_path / "datasets")}
    proc = run_tool("sweep.py", *args, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "sweep: 2 runs, 2 to run (2 at a time)" in proc.stdout
    assert sorted((tmp_path / "hook.txt").read_text().split()) == ["GN_b8_s0", "GN_b8_s1"]
    runs = StudyRecords(str(results)).runs()
    assert sorted((r["seed"], r["study"], r["schedule"], r["status"]) for r in runs) == [
        (0, "tiny", "epochs", "done"), (1, "tiny", "epochs", "done")
    ]  # fmt: skip
    assert all(0 <= r["value"] <= 100 and r["epochs_or_iters"] == "2ep" for r in runs)
    curves = StudyRecords(str(results)).curves()
    assert sorted((c["seed"], c["epoch"]) for c in curves) == [(0, 1), (0, 2), (1, 1), (1, 2)]
    # the seed reached the run: its SEED, and different trained weights
    for seed in (0, 1):
        assert json.loads((out / f"GN_b8_s{seed}" / "results.json").read_text())["seed"] == seed
    w0, w1 = (pickle.loads((out / f"GN_b8_s{s}" / "backbone.pkl").read_bytes())["model"]
              for s in (0, 1))  # fmt: skip
    assert not np.allclose(w0["stem.conv1.weight"], w1["stem.conv1.weight"])
    assert "| GN | " in proc.stdout and (results / "tables.md").is_file()
    assert (results / "top1_error_vs_batch.png").is_file()
    assert (results / "top1_error_curves.png").is_file()
    # a fresh clone: only the committed CSVs, no run folders, no training
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("runs.csv", "curves.csv"):
        shutil.copy(results / name, clone / name)
    assert sweep_main("--report-only", "--results-dir", clone) is None
    for name in ("tables.md", "claims.csv", "summary.csv"):
        assert (clone / name).read_text() == (results / name).read_text()


def test_config_variants_dry_run(tmp_path, capsys):
    (tmp_path / "pre").mkdir()
    (tmp_path / "pre" / "w0.pkl").write_bytes(b"")  # exists for pretraining seed 0 only
    for name, weights in (("a_pre", f"{tmp_path}/pre/w{{pretrain_seed}}.pkl"), ("b_scratch", "")):
        (tmp_path / f"{name}.yaml").write_text(
            f'_BASE_: "{TINY_CONFIG}"\nMODEL:\n  WEIGHTS: "{weights}"\n'
        )
    args = ["--configs", tmp_path / "a_pre.yaml", tmp_path / "b_scratch.yaml", "--pretrain-seeds",
            0, 1, "--seeds", 3, "--schedule-scale", 2, "--output-dir", tmp_path / "out",
            "--dry-run"]  # fmt: skip
    assert sweep_main(*args) is None
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:2] == ["a_pre_epochs_x2_p0_s3: pending", "b_scratch_epochs_x2_s3: pending"]
    assert lines[2].startswith(f"a_pre_epochs_x2_p1_s3: invalid MODEL.WEIGHTS {tmp_path}/pre/w1")
    assert len(lines) == 3


def test_dry_run_lists_runs_committed_in_runs_csv_as_done(tmp_path, capsys):
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "runs.csv").write_text(
        "study,norm,batch,groups,channels_per_group,schedule,seed,epochs_or_iters,metric,value,"
        "wall_s,variant,pretrain_seed,status,reason\n"
        "batch,GN,4,,,epochs,0,4ep,top1_error,5.5,30,,,done,\n"
    )
    args = ["--task", "classification", "--config-file", TINY_CONFIG, "--norms", "GN",
            "--batches", 4, "--seeds", 0, 1, "--epochs", 4, "--study", "batch",
            "--output-dir", tmp_path / "new_machine", "--results-dir", tmp_path / "res",
            "--dry-run"]  # fmt: skip
    assert sweep_main(*args) is None
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["GN_b4_s0: done (recorded in runs.csv)", "GN_b4_s1: pending"]
