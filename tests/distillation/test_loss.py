"""Feature matching: squared relative error per stage, weighted; its root on held-out images."""

import pytest
import torch

from gn_det.distillation import STAGES
from gn_det.distillation.loss import feature_errors, feature_losses


def maps(seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return {s: scale * torch.randn(2, 4, 3, 3, generator=g) for s in STAGES}


def test_loss_is_the_weighted_squared_relative_error():
    student, teacher = maps(0), maps(1)
    weights = dict.fromkeys(STAGES, 1.0) | {"res3": 0.0, "res5": 2.0}
    losses = feature_losses(student, teacher, weights)
    assert set(losses) == {"loss_stem", "loss_res2", "loss_res4", "loss_res5"}
    t, s = teacher["res5"], student["res5"]
    expected = 2.0 * ((s - t) ** 2).sum() / (t**2).sum()
    torch.testing.assert_close(losses["loss_res5"], expected)
    assert all(float(v) == 0 for v in feature_losses(teacher, teacher, weights).values())


def test_loss_does_not_depend_on_the_scale_of_the_maps():
    weights = dict.fromkeys(STAGES, 1.0)
    small = feature_losses(maps(0), maps(1), weights)
    large = feature_losses(maps(0, 100.0), maps(1, 100.0), weights)
    for key in small:
        torch.testing.assert_close(small[key], large[key])


class Pair:
    """A stand-in for DistillationModel: the student's maps are the teacher's plus noise."""

    def maps(self, images):
        teacher = {s: images.float() for s in STAGES}
        return {s: v + 0.1 * (1 + i) * v for i, (s, v) in enumerate(teacher.items())}, teacher


def test_held_out_error_is_the_relative_norm_of_the_difference():
    images = torch.rand(5, 3, 4, 4) + 1
    errors = feature_errors(Pair(), images, batch_size=2)
    for i, stage in enumerate(STAGES):
        assert errors[stage] == pytest.approx(0.1 * (1 + i))
