"""The student: the teacher's ResNet with GroupNorm, started from the teacher's weights."""

import pytest
import torch
from detectron2.layers import FrozenBatchNorm2d
from torch import nn

from gn_det.distillation import DistillationModel, build_student, init_from_teacher, student_norm
from gn_det.distillation.loss import feature_errors
from gn_det.modeling import NormConfigError, WSConv2d

from ..conftest import tiny_cfg
from .teachers import bn_resnet, pattern_images


@pytest.fixture(scope="module")
def teacher():
    cfg = tiny_cfg()
    resnet = bn_resnet(cfg)
    frozen = FrozenBatchNorm2d.convert_frozen_batchnorm(resnet)
    return frozen.requires_grad_(False).eval()


@pytest.mark.parametrize(
    "opts, kind, groups, ws",
    [
        ([], "GN", 32, False),
        (["MODEL.NORM.TYPE", ""], "GN", 32, False),
        (["MODEL.NORM.TYPE", "LN"], "LN", 1, False),
        (["MODEL.NORM.WS", True], "GN", 32, True),
    ],
)
def test_student_norm_is_the_config_group_norm(opts, kind, groups, ws):
    spec = student_norm(tiny_cfg(*opts))
    assert (spec.kind, spec.group_count(64), spec.ws) == (kind, groups, ws)


def test_batch_norm_student_is_refused():
    with pytest.raises(NormConfigError, match="the student must use GroupNorm"):
        student_norm(tiny_cfg("MODEL.NORM.TYPE", "BN"))


def test_student_starts_with_the_teacher_convs_and_bn_scale_and_shift(teacher):
    cfg = tiny_cfg("MODEL.NORM.WS", True)
    student = build_student(cfg, teacher, student_norm(cfg))
    weights = teacher.state_dict()
    state = student.state_dict()
    assert any(k.endswith("norm.weight") for k in state)
    assert all(torch.equal(v, weights[k]) for k, v in state.items())
    assert isinstance(student.stem.conv1.norm, nn.GroupNorm)
    assert isinstance(student.res2[0].conv1, WSConv2d)
    assert all(p.requires_grad for p in student.parameters())


def test_gn_with_bn_scale_and_shift_is_bn_where_sample_and_data_statistics_agree():
    torch.manual_seed(0)
    mean, var = torch.randn(8), torch.rand(8) + 0.5
    bn = FrozenBatchNorm2d(8)
    bn.running_mean.copy_(mean)
    bn.running_var.copy_(var)
    bn.weight.copy_(torch.rand(8) + 0.5)
    bn.bias.copy_(torch.randn(8))
    x = torch.randn(4, 8, 6, 6)  # each sample's channels get exactly the data statistics
    x = (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), unbiased=False, keepdim=True)
    x = x * var.sqrt().view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)
    inorm = nn.Sequential(nn.GroupNorm(8, 8))
    init_from_teacher(inorm, nn.Sequential(bn))
    torch.testing.assert_close(inorm(x), bn(x), atol=1e-4, rtol=1e-4)
    default = nn.GroupNorm(8, 8)
    assert (default(x) - bn(x)).abs().max() > 0.1


def test_initial_student_is_closer_to_the_teacher_than_default_gn(teacher):
    cfg = tiny_cfg()
    student = build_student(cfg, teacher, student_norm(cfg))
    images = pattern_images(16, seed=7)
    copied = feature_errors(DistillationModel(cfg, teacher, student, {}), images)
    for name, p in student.named_parameters():
        if "norm" in name:
            nn.init.constant_(p, 1.0 if name.endswith("weight") else 0.0)
    default = feature_errors(DistillationModel(cfg, teacher, student, {}), images)
    assert copied["stem"] < default["stem"]
    assert sum(copied.values()) < sum(default.values())
