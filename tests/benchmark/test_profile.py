"""Where a benchmark step's time goes: op kinds, stages, the tables."""

import pytest

from gn_det.benchmark.measure import ModelBench
from gn_det.benchmark.profile import BACKWARD, OPTIMIZER, OTHER_OPS, op_kind, profile_tables

from ..conftest import tiny_cfg


def test_op_kinds():
    assert op_kind("aten::convolution_backward") == "convolution (backward)"
    assert op_kind("aten::mkldnn_convolution") == "convolution"
    assert op_kind("aten::native_group_norm_backward") == "GroupNorm (backward)"
    assert op_kind("torchvision::roi_align") == "ROI align"
    assert op_kind("aten::index_put_") == OTHER_OPS


def test_profile_splits_a_training_step_into_stages_and_op_kinds():
    cfg = tiny_cfg("MODEL.NORM.TYPE", "GN", "INPUT.MIN_SIZE_TEST", 64, "INPUT.MAX_SIZE_TEST", 64)
    bench = ModelBench(cfg, batch=1, synthetic=(64, 64), num_batches=1)
    result = bench.profile("train", steps=1)
    stages, ops = result["stages"], result["ops"]
    for stage in ("forward: ResNet", "forward: FPN", "forward: mask head (with its loss)"):
        assert stages[stage] > 0
    assert stages[BACKWARD] > 0 and stages[OPTIMIZER] > 0
    assert sum(stages.values()) == pytest.approx(result["step_ms"], rel=0.05)
    assert sum(ops.values()) == pytest.approx(result["step_ms"], rel=0.05)
    assert ops["convolution"] > 0 and ops["convolution (backward)"] > 0 and ops["GroupNorm"] > 0
    assert "| stage" in profile_tables(result) and "| op kind" in profile_tables(result)
    assert bench.model.training  # profiled in the phase's mode
