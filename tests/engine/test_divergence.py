"""Divergence stops training with the iteration, the losses, a hint and the last good state."""

import logging
import re

import pytest
import torch
from detectron2.engine import SimpleTrainer
from torch import nn

from gn_det.engine.divergence import (
    TRAIN_LOOP_LOGGER,
    DivergenceError,
    DivergenceGuard,
    last_good_checkpoint,
)

from ..conftest import TINY_CONFIG, tiny_cfg
from ..run_tools import FAST_TRAINING, run_tool, shapes_opts


class Diverging(nn.Module):
    """Finite losses for ``good`` calls, then NaN losses or detectron2's FloatingPointError."""

    def __init__(self, good, how):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.good, self.how, self.calls = good, how, 0

    def forward(self, data):
        self.calls += 1
        bad = self.calls > self.good
        if bad and self.how == "raise":
            raise FloatingPointError(
                "Predicted boxes or scores contain Inf/NaN. Training has diverged."
            )
        return {"loss_cls": self.w.sum() * (float("nan") if bad else 1.0), "loss_box": self.w.sum()}


def train(tmp_path, how):
    model = Diverging(good=2, how=how)
    trainer = SimpleTrainer(
        model, iter(lambda: [{}], None), torch.optim.SGD(model.parameters(), 0.1)
    )
    trainer.cfg = tiny_cfg("OUTPUT_DIR", tmp_path)
    trainer.register_hooks([DivergenceGuard()])
    with pytest.raises(DivergenceError) as info:
        trainer.train(0, 10)
    return trainer, str(info.value)


def test_nan_loss_stops_before_the_step_with_losses_and_hint(tmp_path, caplog):
    trainer, message = train(tmp_path, "nan")
    assert message.startswith(
        "training diverged at iteration 2: non-finite loss (loss_cls=nan, loss_box=0.6)"
    )
    assert "Lower SOLVER.BASE_LR (now 0.02" in message and "SOLVER.WARMUP_ITERS 100" in message
    assert "no checkpoint from before the divergence was written" in message
    assert trainer.model.w.item() == pytest.approx(0.6)  # two steps; the NaN one never ran
    assert "Exception during training" not in caplog.text  # no traceback in the log
    assert logging.getLogger(TRAIN_LOOP_LOGGER).filters == []


def test_floating_point_error_of_detectron2_becomes_the_same_message(tmp_path):
    _, message = train(tmp_path, "raise")
    assert message.startswith(
        "training diverged at iteration 2: Predicted boxes or scores contain Inf/NaN. Training "
        "has diverged. Lower SOLVER.BASE_LR"
    )


def test_last_good_checkpoint_is_two_iterations_back(tmp_path):
    for it in (0, 4, 7):
        torch.save({"model": {}}, tmp_path / f"model_{it:07d}.pth")
    (tmp_path / "model_0000005.pth").write_bytes(b"PK\x03\x04 truncated")
    assert last_good_checkpoint(str(tmp_path), 8) == str(tmp_path / "model_0000004.pth")
    assert last_good_checkpoint(str(tmp_path), 9) == str(tmp_path / "model_0000007.pth")
    assert last_good_checkpoint(str(tmp_path), 1) is None


def test_train_net_stops_on_divergence_in_one_line(small_shapes, tmp_path):
    out = tmp_path / "out"
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, *shapes_opts(small_shapes, test=False),
        *FAST_TRAINING, "SOLVER.BASE_LR", 1e6, "SOLVER.WARMUP_ITERS", 0, "SOLVER.MAX_ITER", 8,
        "SOLVER.CHECKPOINT_PERIOD", 1, "OUTPUT_DIR", out, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    match = re.search(r"error: training diverged at iteration (\d+): .*", proc.stderr)
    assert match, proc.stderr[-2000:]
    assert "Lower SOLVER.BASE_LR (now 1000000.0" in match.group(0)
    assert "Traceback" not in proc.stderr + proc.stdout + (out / "log.txt").read_text()
    good = out / f"model_{int(match.group(1)) - 2:07d}.pth"
    assert (
        f"the last good checkpoint is {good}; start again from it with MODEL.WEIGHTS"
        in match.group(0)
    )
    weights = torch.load(good, weights_only=True)["model"]
    assert all(v.isfinite().all() for v in weights.values() if v.is_floating_point())
    assert not (out / "model_final.pth").exists()
