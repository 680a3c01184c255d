"""StopReport: Ctrl-C and a full disk during training end in one line saying how to resume."""

import errno
import itertools
import logging
import os

import pytest
import torch
from detectron2.config import CfgNode
from detectron2.engine import HookBase, SimpleTrainer, hooks
from torch import nn

from gn_det.checkpoint.checkpointer import GNDetCheckpointer
from gn_det.engine.stop_report import StopReport, WriteFailedError
from gn_det.utils.errors import Interrupted


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, batch):
        return {"loss": self.linear(batch).square().mean()}


class CtrlCAt(HookBase):
    def __init__(self, iteration):
        self.iteration = iteration

    def before_step(self):
        if self.trainer.iter == self.iteration:
            raise KeyboardInterrupt


def train(out_dir, *extra_hooks, max_iter=10):
    """A SimpleTrainer that checkpoints after every second iteration into ``out_dir``."""
    model = Toy()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = SimpleTrainer(model, itertools.repeat(torch.ones(2, 4)), optimizer)
    trainer.cfg = CfgNode({"OUTPUT_DIR": str(out_dir)})
    checkpointer = GNDetCheckpointer(model, str(out_dir), trainer=trainer)
    trainer.register_hooks([hooks.PeriodicCheckpointer(checkpointer, 2), *extra_hooks,
                            StopReport()])  # fmt: skip
    trainer.train(0, max_iter)


def test_ctrl_c_says_where_training_stopped_and_how_to_resume(tmp_path):
    with pytest.raises(Interrupted) as info:
        train(tmp_path, CtrlCAt(5))
    assert str(info.value) == (
        f"training interrupted at iteration 5 of 10; the last complete checkpoint is "
        f"{tmp_path}/model_0000003.pth: run the same command with --resume to continue from it "
        "at iteration 4"
    )


def test_ctrl_c_before_any_checkpoint(tmp_path):
    with pytest.raises(Interrupted, match="no checkpoint was saved yet: run the same command"):
        train(tmp_path, CtrlCAt(0))


def test_a_full_disk_names_the_file_and_the_checkpoint_to_resume_from(
    tmp_path, monkeypatch, caplog
):
    real_save = torch.save

    def save(obj, f, *args, **kwargs):
        if obj.get("iteration") == 5:  # model_0000005.pth: the disk is full
            f.write(b"half a checkpoint")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    with caplog.at_level(logging.ERROR), pytest.raises(WriteFailedError) as info:
        train(tmp_path)
    assert str(info.value) == (
        f"could not write {tmp_path}/model_0000005.pth (No space left on device): training "
        f"stopped at iteration 5 of 10; the last complete checkpoint is {tmp_path}/"
        "model_0000003.pth: run the same command with --resume to continue from it at iteration 4"
    )
    assert "Exception during training" not in caplog.text  # no traceback logged
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000003.pth"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "last_checkpoint", "model_0000001.pth", "model_0000003.pth"
    ]  # fmt: skip


def test_a_bug_keeps_its_traceback(tmp_path, caplog):
    class Bug(HookBase):
        def after_step(self):
            raise ZeroDivisionError

    with caplog.at_level(logging.ERROR), pytest.raises(ZeroDivisionError):
        train(tmp_path, Bug())
    assert "Exception during training" in caplog.text
