"""tools/train_net.py end to end: a few iterations, COCO evaluation, then --eval-only."""

import json

import pytest

from ..conftest import TINY_CONFIG
from ..run_tools import run_tool, shapes_opts


def run(*args, cwd):
    return run_tool("train_net.py", *args, cwd=cwd)


def dataset_opts(small_shapes):
    # Score threshold 0: a barely trained model still predicts, so every table is printed.
    return [*shapes_opts(small_shapes), "MODEL.ROI_HEADS.SCORE_THRESH_TEST", 0.0]


@pytest.fixture(scope="module")
def trained(small_shapes, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = run(
        "--config-file",
        TINY_CONFIG,
        *dataset_opts(small_shapes),
        "SOLVER.IMS_PER_BATCH",
        2,
        "SOLVER.MAX_ITER",
        6,
        "SOLVER.STEPS",
        "()",
        "SOLVER.WARMUP_ITERS",
        2,
        "SOLVER.CHECKPOINT_PERIOD",
        3,
        "INPUT.MIN_SIZE_TRAIN",
        "(96,)",
        "INPUT.MIN_SIZE_TEST",
        96,
        "DATALOADER.NUM_WORKERS",
        0,
        "OUTPUT_DIR",
        out,
        cwd=out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_training_writes_checkpoints_metrics_and_events(trained):
    out, proc = trained
    assert (out / "model_final.pth").is_file()
    assert (out / "model_0000002.pth").is_file()  # CHECKPOINT_PERIOD 3
    assert (out / "last_checkpoint").read_text().strip() == "model_final.pth"
    assert list(out.glob("events.out.tfevents.*"))
    records = [json.loads(line) for line in (out / "metrics.json").read_text().splitlines()]
    assert any("total_loss" in r for r in records)
    final = records[-1]
    for key in ("bbox/AP", "bbox/AP50", "segm/AP", "segm/AP75"):
        assert 0.0 <= final[key] <= 100.0, (key, final.get(key))
    assert (out / "inference" / "coco_instances_results.json").is_file()


def test_log_shows_eta_and_ap_tables(trained):
    out, proc = trained
    log = (out / "log.txt").read_text()
    assert "eta:" in log
    assert "Evaluation results for bbox" in log and "Evaluation results for segm" in log
    assert "bbox AP" in log and "segm AP" in log  # gn_det's summary line


def test_eval_only_and_resume(trained, small_shapes):
    out, _ = trained
    proc = run(
        "--config-file",
        TINY_CONFIG,
        "--eval-only",
        *dataset_opts(small_shapes),
        "INPUT.MIN_SIZE_TEST",
        96,
        "MODEL.WEIGHTS",
        out / "model_final.pth",
        "OUTPUT_DIR",
        out / "eval",
        cwd=out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Evaluation results for segm" in proc.stdout + proc.stderr
    # --resume on a finished run loads model_final and trains no further.
    proc = run(
        "--config-file",
        TINY_CONFIG,
        "--resume",
        *dataset_opts(small_shapes),
        "SOLVER.IMS_PER_BATCH",
        2,
        "SOLVER.MAX_ITER",
        6,
        "INPUT.MIN_SIZE_TEST",
        96,
        "DATALOADER.NUM_WORKERS",
        0,
        "OUTPUT_DIR",
        out,
        cwd=out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "iter: 0" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "opts,expected",
    [
        (["MODEL.NORM.TYPE", "GroupNorm"], "valid kinds"),
        (["MODEL.NORM.TYPE", "GN", "MODEL.NORM.NUM_GROUPS", 48], "has 64 channels"),
        (["DATASETS.TRAIN", "('no_such_dataset',)"], "'no_such_dataset' is not registered"),
        (["MODEL.NORM.TYPO", "GN"], "Non-existent key: MODEL.NORM.TYPO"),
        (["MODEL.NORM.NUM_GROUPS", "many"], "MODEL.NORM.NUM_GROUPS"),
    ],
)
def test_bad_input_exits_with_a_clear_message(opts, expected, tmp_path):
    proc = run("--config-file", TINY_CONFIG, "OUTPUT_DIR", tmp_path, *opts, cwd=tmp_path)
    assert proc.returncode != 0
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_config_file(tmp_path):
    proc = run("--config-file", tmp_path / "nope.yaml", cwd=tmp_path)
    assert proc.returncode != 0 and "nope.yaml does not exist" in proc.stderr
