"""Pretrained weights in a study: their fingerprint in runs.csv, no mixing of realizations."""

import csv
import os

import pytest
import torch

from gn_det.checkpoint import weights_fingerprint
from gn_det.checkpoint.weights_pkl import detectron2_weights, save_weights_pkl
from gn_det.sweep import BaseSchedule, DetectionTask, Sweep, SweepError, build_grid
from gn_det.sweep.records import StudyRecords

from ..conftest import TINY_CONFIG, tiny_cfg
from .test_runner import FakeTool, SeededTool, seeded_sweep


def write_weights(path, rounding=0.0):
    """Pretrained weights; ``rounding`` stands for a machine that computes a little apart."""
    state = {"stem.conv1.weight": torch.ones(3) + rounding}
    return save_weights_pkl(detectron2_weights(state, "test"), str(path))


class PretrainTool(SeededTool):
    """A fake pretraining that also writes backbone.pkl."""

    def __init__(self, rounding=0.0):
        super().__init__()
        self.rounding = rounding

    def __call__(self, argv, log_path):
        code = super().__call__(argv, log_path)
        folder = argv[argv.index("--output-dir") + 1]
        write_weights(os.path.join(folder, "backbone.pkl"), self.rounding)
        return code


def fine_tuning(out, results, weights_dir, seeds=(0,)):
    """A detection grid (GN at 2, pretraining seed 0) fine-tuned from weights_dir's file."""
    schedule = BaseSchedule.from_config(tiny_cfg())
    template = str(weights_dir / "{norm}_p{pretrain_seed}.pkl")
    task = DetectionTask(str(TINY_CONFIG), [], schedule, weights=template)
    cells = build_grid(["GN"], [2], seeds=list(seeds), schedule=schedule.label, pretrain_seeds=[0])
    tool = FakeTool(detection=True)
    sweep = Sweep(task, cells, str(out), runner=tool, log=lambda m: None,
                  records=StudyRecords(str(results)), study="detection")  # fmt: skip
    return sweep, tool


def test_a_pretraining_records_the_weights_it_wrote_and_warns_when_they_differ(tmp_path):
    res = tmp_path / "res"
    seeded_sweep(
        tmp_path / "out", res, PretrainTool(), seeds=[0], rerun_missing="backbone.pkl"
    ).run()
    rows = StudyRecords(str(res)).runs()
    written = weights_fingerprint(str(tmp_path / "out" / "BN_b4_s0" / "backbone.pkl"))
    assert [r["weights"] for r in rows] == [written, written]
    # a new machine retrains the missing weights, rounding differently: said, and recorded
    sweep = seeded_sweep(tmp_path / "new", res, PretrainTool(rounding=1e-7), seeds=[0],
                         rerun_missing="backbone.pkl")  # fmt: skip
    logs = []
    sweep.log = logs.append
    sweep.run()
    warnings = [line for line in logs if "warning" in line]
    assert len(warnings) == 2 and f"than its committed run ({written})" in warnings[0]
    retrained = weights_fingerprint(str(tmp_path / "new" / "BN_b4_s0" / "backbone.pkl"))
    assert retrained != written
    assert [r["weights"] for r in StudyRecords(str(res)).runs()] == [retrained, retrained]


def test_fine_tunings_from_other_weights_are_not_mixed_into_a_folder(tmp_path):
    write_weights(tmp_path / "GN_p0.pkl")
    sweep, _ = fine_tuning(tmp_path / "out", tmp_path / "res", tmp_path)
    sweep.run()
    first = weights_fingerprint(str(tmp_path / "GN_p0.pkl"))
    assert [r["weights"] for r in StudyRecords(str(tmp_path / "res")).runs()] == [first] * 2
    tables = (tmp_path / "res" / "tables.md").read_text()
    assert f"- GN, pretraining seed 0, {first}: 1 run\n" in tables
    # the same weights on a new machine: more seeds join the folder
    sweep, tool = fine_tuning(tmp_path / "new", tmp_path / "res", tmp_path, seeds=(0, 1))
    sweep.run()
    assert len(tool.calls) == 1
    # a pretraining that did not reproduce: refused before anything runs
    write_weights(tmp_path / "GN_p0.pkl", rounding=1e-7)
    sweep, tool = fine_tuning(tmp_path / "other", tmp_path / "res", tmp_path, seeds=(0, 1, 2))
    with pytest.raises(
        SweepError, match=f"fine-tuned from pretrained weights {first}; GN_b2_p0_s2"
    ):
        sweep.run()
    assert tool.calls == []
    sweep, tool = fine_tuning(tmp_path / "other", tmp_path / "res_other", tmp_path, seeds=(2,))
    sweep.run()  # a folder of their own
    assert len(tool.calls) == 1


def test_runs_recorded_without_a_fingerprint_are_not_assumed_to_match(tmp_path):
    write_weights(tmp_path / "GN_p0.pkl")
    sweep, _ = fine_tuning(tmp_path / "out", tmp_path / "res", tmp_path)
    sweep.run()
    runs = tmp_path / "res" / "runs.csv"  # as written before runs.csv had the column
    with open(runs, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(runs, "w", newline="") as f:
        writer = csv.DictWriter(f, [k for k in rows[0] if k != "weights"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert {r["weights"] for r in StudyRecords(str(tmp_path / "res")).runs()} == {""}
    sweep, tool = fine_tuning(tmp_path / "new", tmp_path / "res", tmp_path, seeds=(1,))
    with pytest.raises(SweepError, match=r"pretrained weights \(not recorded\)"):
        sweep.run()
    assert tool.calls == []
