"""``DivergenceGuard``: stop at the first non-finite loss with a message that says what to do.

detectron2 stops a diverged run with a ``FloatingPointError`` and its traceback, raised from
the RPN (Inf/NaN boxes) or after the backward pass (Inf/NaN loss). The guard checks the
losses as the model returns them, before backward and the optimizer step, and turns every
such error into a DivergenceError naming the iteration, the losses, a hint and the last good
checkpoint (GNDetCheckpointer never saves NaN/Inf weights, and no checkpoint is removed).
"""

import glob
import logging
import os
import re
import sys
from dataclasses import dataclass

import torch
from detectron2.engine import HookBase

from ..checkpoint.safe_load import CheckpointError, check_checkpoint_file
from ..utils.errors import GNDetError
from .keys import YAML_KEYS, ConfigKeys

# The logger of detectron2's training loop, which logs every exception with its traceback.
TRAIN_LOOP_LOGGER = "detectron2.engine.train_loop"


class DivergenceError(GNDetError, FloatingPointError):
    """Training produced a non-finite loss; the message names the iteration and losses."""


def _not_user_error(record):
    """False for the training loop's log of a divergence or a user error (GNDetError), which
    end the run as one ``error:`` line instead."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, (FloatingPointError, GNDetError))


@dataclass(frozen=True)
class RecoveryHints:
    """The settings a divergence message names (``keys``) and their values in this run;
    ``warmup`` is None when the schedule has no warm-up setting."""

    keys: ConfigKeys
    output_dir: str
    base_lr: float
    warmup: object
    checkpoint_period: int

    @classmethod
    def of_config(cls, cfg):
        """The hints of a YAML config."""
        solver = cfg.SOLVER
        return cls(YAML_KEYS, cfg.OUTPUT_DIR, solver.BASE_LR, solver.WARMUP_ITERS,
                   solver.CHECKPOINT_PERIOD)  # fmt: skip


class DivergenceGuard(HookBase):
    """Raise DivergenceError when training meets a non-finite loss or prediction.

    Register it last: its ``after_train`` replaces detectron2's FloatingPointError after
    every other hook has finished. While training runs, the training loop's log of a user
    error (with its traceback) is held back: the tool prints that error as one line.
    ``hints`` (RecoveryHints) default to those of the trainer's YAML config (``trainer.cfg``).
    """

    def __init__(self, hints=None):
        self.hints = hints

    def before_train(self):
        self._handle = self.trainer.model.register_forward_hook(self._check_losses)
        logging.getLogger(TRAIN_LOOP_LOGGER).addFilter(_not_user_error)

    def after_train(self):
        self._handle.remove()
        logging.getLogger(TRAIN_LOOP_LOGGER).removeFilter(_not_user_error)
        error = sys.exc_info()[1]  # the exception that is ending training, if any
        if isinstance(error, FloatingPointError) and not isinstance(error, DivergenceError):
            raise DivergenceError(self.message(str(error).strip().splitlines()[0])) from None

    def _check_losses(self, module, inputs, losses):
        if not (module.training and isinstance(losses, dict) and losses):
            return
        values = torch.stack([v.detach().float().sum() for v in losses.values()])
        if bool(torch.isfinite(values).all()):
            return
        shown = ", ".join(f"{k}={float(v):.4g}" for k, v in zip(losses, values))
        raise DivergenceError(self.message(f"non-finite loss ({shown})"))

    def message(self, what):
        """What diverged, why that usually happens, and where the last good state is."""
        hints = self.hints or RecoveryHints.of_config(self.trainer.cfg)
        keys, it = hints.keys, self.trainer.iter
        lr = self.trainer.optimizer.param_groups[0]["lr"]
        good = last_good_checkpoint(hints.output_dir, it)
        period = keys.setting(keys.checkpoint_period, hints.checkpoint_period)
        keep = (
            f"the last good checkpoint is {good}; start again from it with "
            f"{keys.setting(keys.weights, good)}"
            if good
            else f"no checkpoint from before the divergence was written ({period})"
        )
        warmup = ""
        if hints.warmup is not None:
            warmup = f" or lengthen the warm-up ({keys.setting(keys.warmup, hints.warmup)})"
        return (
            f"training diverged at iteration {it}: {what.rstrip('.')}. Lower {keys.base_lr} "
            f"(now {hints.base_lr}, lr {lr:.4g} at this iteration){warmup}; {keep}"
        )


def last_good_checkpoint(save_dir, diverged_iter):
    """The newest complete ``model_<iter>.pth`` whose weights still gave finite losses.

    Iteration ``diverged_iter`` ran with the weights saved after ``diverged_iter - 1``, so
    the newest good checkpoint is the one saved at ``diverged_iter - 2`` or before.
    """
    found = []
    for path in glob.glob(os.path.join(glob.escape(save_dir), "model_*.pth")):
        match = re.fullmatch(r"model_(\d+)\.pth", os.path.basename(path))
        if match and int(match.group(1)) <= diverged_iter - 2:
            found.append((int(match.group(1)), path))
    for _, path in sorted(found, reverse=True):
        try:
            check_checkpoint_file(path)
            return path
        except CheckpointError:
            continue
    return None
