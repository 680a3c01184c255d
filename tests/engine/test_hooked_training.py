"""HookedTraining: a SimpleTrainer run from SOLVER keys, evaluated periodically and at the end,
checkpointing the module it is told to, resumable (also after its last iteration)."""

import itertools
import json

import torch
from torch import nn

from gn_det.classification import pretrain_config
from gn_det.engine.hooked_training import CHECKPOINTS_KEPT, HookedTraining

from ..conftest import tiny_cfg


class Pair(nn.Module):
    """A trained part and a part that checkpoints leave out."""

    def __init__(self):
        super().__init__()
        self.trained = nn.Linear(2, 1)
        self.other = nn.Linear(2, 1)

    def forward(self, batch):
        return {"loss": (self.trained(batch["x"]) - 1).pow(2).mean()}


class Counting(HookedTraining):
    def __init__(self, cfg, eval_period):
        torch.manual_seed(0)
        self.calls = []
        model = Pair()
        data = itertools.repeat({"x": torch.ones(4, 2)})
        super().__init__(cfg, model, data, eval_period, checkpointed=model.trained)

    def evaluate(self):
        self.calls.append(self.trainer.iter)
        return {"score": float(self.model.trained.bias.detach())}


def trained(tmp_path, epochs, resume=False):
    """A ``Counting`` run of ``epochs`` over 8 samples in batches of 4 (2 iterations each),
    evaluated and checkpointed every 2 iterations."""
    cfg, period = pretrain_config(tiny_cfg(), num_train=8, epochs=epochs, batch_size=4, lr=0.1,
                                  output_dir=str(tmp_path))  # fmt: skip
    assert cfg.SOLVER.MAX_ITER == 2 * epochs and period == cfg.SOLVER.CHECKPOINT_PERIOD == 2
    run = Counting(cfg, period)
    run.resume_or_load(resume=resume)
    run.train()
    return run


def test_evaluates_each_period_checkpoints_the_part_and_resumes_after_the_end(tmp_path):
    first = trained(tmp_path, epochs=3)
    assert first.calls == [1, 3, 6]  # after iterations 2 and 4 (indices 1, 3), and at the end
    records = [json.loads(line) for line in (tmp_path / "metrics.json").read_text().splitlines()]
    assert len([r for r in records if "score" in r]) == 3  # every evaluation is in the file
    saved = torch.load(tmp_path / "model_final.pth", weights_only=True)
    assert set(saved["model"]) == {"weight", "bias"} and saved["iteration"] == 5

    again = trained(tmp_path, epochs=3, resume=True)  # nothing left to train:
    assert len(again.calls) == 1  # evaluated once, on the loaded weights
    assert torch.equal(again.model.trained.bias, first.model.trained.bias)


def test_only_the_last_periodic_checkpoints_stay(tmp_path):
    trained(tmp_path, epochs=5)  # periodic checkpoints after iterations 1, 3, 5, 7 and 9
    kept = sorted(p.name for p in tmp_path.glob("model_*.pth"))
    assert CHECKPOINTS_KEPT == 2
    assert kept == ["model_0000007.pth", "model_0000009.pth", "model_final.pth"]
