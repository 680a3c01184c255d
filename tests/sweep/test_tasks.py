"""What each task runs and reads: seeds in the command, schedules, learning curves, variants."""

import json

import pytest

from gn_det.sweep import (
    BaseSchedule,
    ClassificationTask,
    DetectionTask,
    SweepError,
    build_grid,
    validate_cells,
)
from gn_det.sweep.tasks import VariantTask, load_variants, read_curve, variant_cells

from ..conftest import TINY_CONFIG, tiny_cfg


def opts_of(argv):
    return dict(zip(argv[::2], argv[1::2]))


def test_the_seed_is_the_last_override_of_both_tools():
    (cell,) = build_grid(["BN"], [2], seeds=[7], schedule="epochs")
    det = DetectionTask(str(TINY_CONFIG), ["SEED", "1"], BaseSchedule.from_config(tiny_cfg()))
    argv = det.command(cell, "/tmp/x", resume=False)
    assert argv[-4:] == ["SEED", "7", "OUTPUT_DIR", "/tmp/x"]  # after the user's SEED 1
    schedule = BaseSchedule.from_config(tiny_cfg(), batch=32, lr=0.1)
    cls = ClassificationTask(str(TINY_CONFIG), [], schedule, epochs=3)
    assert cls.command(cell, "/tmp/x", resume=False)[-2:] == ["SEED", "7"]


def test_classification_schedules():
    (cell,) = build_grid(["GN"], [2], schedule="iters")
    iters = BaseSchedule.from_config(tiny_cfg(), batch=32, lr=0.1, equal="iters")
    argv = ClassificationTask(str(TINY_CONFIG), [], iters, epochs=3).command(cell, "d", False)
    assert argv[argv.index("--schedule-batch") + 1] == "32"  # the iterations of batch 32
    assert argv[argv.index("--lr") + 1] == "0.00625" and argv[argv.index("--epochs") + 1] == "3"
    double = BaseSchedule.from_config(tiny_cfg(), batch=32, lr=0.1, scale=2)
    task = ClassificationTask(str(TINY_CONFIG), [], double, epochs=3)
    argv = task.command(cell, "d", False)
    assert argv[argv.index("--epochs") + 1] == "6" and "--schedule-batch" not in argv
    assert task.describe(cell)["epochs_or_iters"] == "6ep"
    half = BaseSchedule.from_config(tiny_cfg(), batch=32, lr=0.1, scale=0.5)
    with pytest.raises(SweepError, match="--epochs 3 x --schedule-scale 0.5"):
        ClassificationTask(str(TINY_CONFIG), [], half, epochs=3)


def test_learning_curves_come_from_metrics_json(tmp_path):
    lines = [
        {"iteration": 9, "top1_error": 50.0},
        {"iteration": 12, "loss_cls": 1.0},
        {"iteration": 19, "top1_error": 30.0},
        {"iteration": 19, "top1_error": 29.0},  # written again after a resume: the last wins
    ]
    text = "".join(json.dumps(x) + "\n" for x in lines) + '{"iteration": 29, "top1'  # cut
    (tmp_path / "metrics.json").write_text(text)
    assert read_curve(str(tmp_path), ["top1_error"]) == [
        (10, "top1_error", 50.0),
        (20, "top1_error", 29.0),
    ]
    (tmp_path / "results.json").write_text(json.dumps({"num_train": 40, "status": "done"}))
    schedule = BaseSchedule.from_config(tiny_cfg(), batch=4, lr=0.1)
    (cell,) = build_grid(["GN"], [4])
    curve = ClassificationTask(str(TINY_CONFIG), [], schedule).curve(str(tmp_path), cell)
    assert curve == [(10, 1.0, "top1_error", 50.0), (20, 2.0, "top1_error", 29.0)]
    assert read_curve(str(tmp_path / "missing"), ["top1_error"]) == []
    (tmp_path / "metrics.json").write_text('{"iteration": 9, "bbox/AP": 5.0}\n'
                                           '{"iteration": 20, "bbox/AP": 7.5}\n')  # fmt: skip
    # the final evaluation is logged at MAX_ITER (20), not at its index
    assert read_curve(str(tmp_path), ["bbox_ap"], max_iter=20) == [
        (10, "bbox_ap", 5.0), (20, "bbox_ap", 7.5)
    ]  # fmt: skip


def write_variant(path, weights, norm="GN"):
    path.write_text(
        f'_BASE_: "{TINY_CONFIG}"\nMODEL:\n  WEIGHTS: "{weights}"\n'
        f'  NORM:\n    TYPE: "{norm}"\nSOLVER:\n  IMS_PER_BATCH: 2\n'
    )
    return str(path)


def test_variants_fill_the_pretraining_seed(tmp_path):
    a = write_variant(tmp_path / "a_pre.yaml", "pre/GN_b32_s{pretrain_seed}/backbone.pkl")
    b = write_variant(tmp_path / "b_scratch.yaml", "", norm="BN")
    variants = load_variants([a, b], [], scale=2)
    cells = variant_cells(variants, [0, 1], [5], "epochs_x2")
    assert [c.name for c in cells] == ["a_pre_epochs_x2_p0_s5", "b_scratch_epochs_x2_s5",
                                       "a_pre_epochs_x2_p1_s5"]  # fmt: skip
    assert (cells[0].norm, cells[0].batch, cells[1].norm) == ("GN", 2, "BN")
    task = VariantTask(variants, [])
    argv = task.command(cells[2], "out", resume=False)
    assert argv[argv.index("--config-file") + 1] == a
    opts = opts_of(argv[5:])
    assert opts["MODEL.WEIGHTS"] == "pre/GN_b32_s1/backbone.pkl" and opts["SEED"] == "5"
    assert opts["SOLVER.MAX_ITER"] == "1900" and opts["SOLVER.BASE_LR"] == "0.02"
    assert "MODEL.WEIGHTS" not in task.command(cells[1], "out", resume=False)
    invalid = validate_cells(task, cells)  # the pretrained weights do not exist yet
    assert sorted(c.name for c in invalid) == ["a_pre_epochs_x2_p0_s5", "a_pre_epochs_x2_p1_s5"]
    assert "MODEL.WEIGHTS pre/GN_b32_s0/backbone.pkl does not exist yet" in invalid[cells[0]]
    with pytest.raises(SweepError, match="give --pretrain-seeds"):
        variant_cells(variants, [], [0], "epochs")


def test_a_grid_fine_tunes_each_norm_from_its_own_pretraining():
    template = "pre/{norm}_b32_s{pretrain_seed}/backbone.pkl"
    cells = build_grid(["BN", "GN+WS"], [8, 1], seeds=[3], schedule="epochs", pretrain_seeds=[0, 1])
    assert [c.name for c in cells[:5]] == ["BN_b8_p0_s3", "GN+WS_b8_p0_s3", "BN_b1_p0_s3",
                                           "GN+WS_b1_p0_s3", "BN_b8_p1_s3"]  # fmt: skip
    task = DetectionTask(
        str(TINY_CONFIG), [], BaseSchedule.from_config(tiny_cfg()), weights=template
    )
    opts = opts_of(task.command(cells[5], "out", resume=False)[5:])
    assert opts["MODEL.WEIGHTS"] == "pre/GN+WS_b32_s1/backbone.pkl" and opts["MODEL.NORM.WS"]
    invalid = validate_cells(task, cells)  # no pretraining has run
    assert len(invalid) == 8 and "pre/BN_b32_s0/backbone.pkl does not exist" in invalid[cells[0]]
    plain = DetectionTask(str(TINY_CONFIG), [], task.schedule, weights="model.pkl")
    assert "MODEL.WEIGHTS" not in plain.command(cells[0], "out", resume=False)  # the config's own
