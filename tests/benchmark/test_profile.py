"""Where a benchmark step's time goes: op kinds, stages, the tables."""

import pytest
from torch.autograd import DeviceType

from gn_det.benchmark.measure import ModelBench
from gn_det.benchmark.profile import (
    BACKWARD,
    OPTIMIZER,
    OTHER_OPS,
    breakdown,
    op_kind,
    profile_tables,
)

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
    assert result["device_ms"] == 0 and "GPU kernels" not in profile_tables(result)


class _Event:
    """What ``breakdown`` reads of a profiler event."""

    def __init__(self, name, cpu_us, device_us=0.0, device_type=DeviceType.CPU):
        self.name, self.device_type = name, device_type
        self.cpu_time_total = self.self_cpu_time_total = cpu_us
        self.self_device_time_total = device_us
        self.cpu_parent = None


def test_gpu_kernel_time_is_counted_once_per_kernel():
    events = [
        _Event("aten::convolution", 300.0, device_us=500.0),
        _Event("aten::native_group_norm", 100.0, device_us=250.0),
        _Event("void conv_kernel<float>", 0.0, device_us=500.0, device_type=DeviceType.CUDA),
    ]
    result = breakdown(events, steps=2, step_us=2000.0)
    assert result["step_ms"] == 1.0
    assert result["device_ms"] == pytest.approx(0.375)  # the CPU ops' 750 us over 2 steps
    assert "GPU kernels busy 0.4 ms of the 1.0 ms step (38%)" in profile_tables(result)
