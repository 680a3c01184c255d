"""build_optimizer: detectron2's optimizer unchanged at SOLVER.NORM_LR_FACTOR 1; otherwise the
norm layers alone learn at that multiple of the scheduled LR."""

import itertools
import json

import pytest
import torch
from detectron2.solver import build_lr_scheduler
from detectron2.solver import build_optimizer as build_detectron2_optimizer
from torch import nn

from gn_det.classification import pretrain_config
from gn_det.engine.hooked_training import HookedTraining
from gn_det.engine.optimizer import build_optimizer, norm_parameters

from ..conftest import tiny_cfg


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.GroupNorm(4, 8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, bias=False), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(2),
    )  # fmt: skip


def net_and_cfg(*opts):
    net = small_net()
    net(torch.zeros(1, 3, 8, 8))  # materialize the lazy layer
    return net, tiny_cfg("SOLVER.BASE_LR", 0.1, "SOLVER.WARMUP_ITERS", 0, *opts)


def lr_of(optimizer):
    """{parameter: (lr, weight_decay)} over every group."""
    return {p: (g["lr"], g["weight_decay"]) for g in optimizer.param_groups for p in g["params"]}


def test_factor_one_is_detectron2s_optimizer():
    net, cfg = net_and_cfg()
    ours, stock = build_optimizer(cfg, net), build_detectron2_optimizer(cfg, net)
    assert [g["params"] for g in ours.param_groups] == [g["params"] for g in stock.param_groups]
    assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in stock.param_groups]


@pytest.mark.parametrize("wd_norm", [0.0, 1e-4])  # 1e-4: norms share a group with convs
def test_norm_layers_alone_get_the_factor(wd_norm):
    net, cfg = net_and_cfg("SOLVER.NORM_LR_FACTOR", 0.25, "SOLVER.WEIGHT_DECAY_NORM", wd_norm)
    hyper = lr_of(build_optimizer(cfg, net))
    norms = norm_parameters(net)
    assert len(norms) == 4 and len(hyper) == len(list(net.parameters()))
    for p, (lr, wd) in hyper.items():
        if p in norms:
            assert (lr, wd) == (pytest.approx(0.025), wd_norm)
        else:
            assert (lr, wd) == (pytest.approx(0.1), cfg.SOLVER.WEIGHT_DECAY)


def test_the_schedule_keeps_the_factor():
    net, cfg = net_and_cfg("SOLVER.NORM_LR_FACTOR", 0.5, "SOLVER.STEPS", "(2,)")
    optimizer = build_optimizer(cfg, net)
    scheduler = build_lr_scheduler(cfg, optimizer)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    lrs = {p: lr for p, (lr, _) in lr_of(optimizer).items()}
    norm = next(iter(norm_parameters(net)))
    conv = net[0].weight
    assert lrs[conv] == pytest.approx(0.1 * cfg.SOLVER.GAMMA)
    assert lrs[norm] == pytest.approx(0.5 * lrs[conv])


def test_factor_zero_keeps_the_norm_affine_and_trains_the_rest():
    net, cfg = net_and_cfg("SOLVER.NORM_LR_FACTOR", 0.0)
    optimizer = build_optimizer(cfg, net)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    net(torch.randn(2, 3, 8, 8)).square().sum().backward()
    optimizer.step()
    moved = {n for n, p in net.named_parameters() if not torch.equal(p, before[n])}
    assert moved == {"0.weight", "0.bias", "3.weight", "6.weight", "6.bias"}


class NormHeavy(nn.Module):
    """More norm parameters than others: detectron2 would log the norm layers' LR."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.norms = nn.Sequential(*[nn.GroupNorm(1, 2) for _ in range(3)])

    def forward(self, batch):
        return {"loss": (self.fc(self.norms(batch["x"])) - 1).pow(2).mean()}


class Run(HookedTraining):
    def evaluate(self):
        return {}


def test_the_logged_lr_is_the_scheduled_one_not_the_norm_layers(tmp_path):
    cfg, period = pretrain_config(tiny_cfg("SOLVER.NORM_LR_FACTOR", 0.0), num_train=8, epochs=1,
                                  batch_size=4, lr=0.1, output_dir=str(tmp_path))  # fmt: skip
    data = itertools.repeat({"x": torch.randn(4, 2)})
    Run(cfg, NormHeavy(), data, period).train()
    records = [json.loads(line) for line in (tmp_path / "metrics.json").read_text().splitlines()]
    logged = [r["lr"] for r in records if "lr" in r]
    assert logged and all(lr > 0 for lr in logged)
