"""The teacher's linear head scores any ResNet's pooled features."""

import torch

from gn_det.distillation.probe import fit_probe, probe_error


def blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    centres = torch.tensor([[4.0, 0, 0, 0], [0, 4.0, 0, 0], [0, 0, 4.0, 0]])
    return (centres[labels] + torch.randn(n, 4, generator=g)).double(), labels


def test_probe_separates_separable_classes_and_fails_on_shuffled_features():
    train, val = blobs(60, 0), blobs(30, 1)
    probe = fit_probe(*train, num_classes=3)
    assert probe_error(probe, *val) < 5
    assert probe_error(probe, val[0][:, [1, 2, 0, 3]], val[1]) > 50
