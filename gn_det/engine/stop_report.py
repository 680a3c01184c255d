"""``StopReport``: when training stops on Ctrl-C or on a write the machine refused (full disk,
quota, read-only file system), one line says at which iteration, and which checkpoint
``--resume`` continues from.

detectron2's training loop logs every exception with its traceback, then re-raises it. The
hook drops that log record for a refused write, which the tool reports as one line, and turns
the exception into one that says how to go on: ``Interrupted`` (exit status 130) or
``WriteFailedError`` (one ``error:`` line).
"""

import logging
import os
import re
import sys

from detectron2.engine import HookBase

from ..checkpoint.checkpointer import CheckpointError, resumable_checkpoint
from ..utils.atomic_file import refused_write, refused_write_message
from ..utils.errors import GNDetError, Interrupted
from .divergence import TRAIN_LOOP_LOGGER


class WriteFailedError(GNDetError):
    """Training stopped because a file could not be written; the message says what, and from
    which checkpoint to resume."""


def _not_refused_write(record):
    """False for the training loop's log of a refused write, which ends the run as one line
    (DivergenceGuard holds back the logs of user errors)."""
    return not (record.exc_info and refused_write(record.exc_info[1]))


def resume_hint(save_dir):
    """Which checkpoint ``--resume`` continues from, as a sentence."""
    try:
        path = resumable_checkpoint(save_dir)
    except CheckpointError:
        path = None
    if path is None:
        return "no checkpoint was saved yet: run the same command again to start over"
    match = re.fullmatch(r"model_(\d+)\.pth", os.path.basename(path))
    start = f" at iteration {int(match.group(1)) + 1}" if match else ""
    return (
        f"the last complete checkpoint is {path}: run the same command with --resume to "
        f"continue from it{start}"
    )


class StopReport(HookBase):
    """Turn Ctrl-C and refused writes during training into one line with the resume hint.

    Register it last, with DivergenceGuard (they handle different exceptions): its
    ``after_train`` replaces the exception after every other hook has finished. ``save_dir``
    is where the checkpoints are (default: the trainer's YAML config's OUTPUT_DIR).
    """

    def __init__(self, save_dir=None):
        self.save_dir = save_dir

    def before_train(self):
        logging.getLogger(TRAIN_LOOP_LOGGER).addFilter(_not_refused_write)

    def after_train(self):
        logging.getLogger(TRAIN_LOOP_LOGGER).removeFilter(_not_refused_write)
        error = sys.exc_info()[1]  # the exception that is ending training, if any
        where = f"iteration {self.trainer.iter} of {self.trainer.max_iter}"
        save_dir = self.save_dir or self.trainer.cfg.OUTPUT_DIR
        if isinstance(error, KeyboardInterrupt) and not isinstance(error, Interrupted):
            raise Interrupted(f"training interrupted at {where}; {resume_hint(save_dir)}") from None
        if refused_write(error) and not isinstance(error, WriteFailedError):
            what = refused_write_message(error)
            raise WriteFailedError(
                f"{what}: training stopped at {where}; {resume_hint(save_dir)}"
            ) from None
