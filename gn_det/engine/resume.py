"""``ExactResumeHook``: ``--resume`` continues as if the run had never stopped.

detectron2 v0.6's ``DefaultTrainer`` checkpoints hold the model, the scheduler and the
iteration, not the optimizer (SGD momentum restarts at zero). This hook adds, through the
trainer's checkpointable state, the optimizer state, the random state of every process and
the data seed, and starts the ResumableTrainLoader at the resumed iteration; on the CPU with
a fixed seed the resumed run then ends with the same weights as an uninterrupted one.
"""

import logging

import detectron2.utils.comm as comm
from detectron2.engine import HookBase

from ..data.resumable_loader import ResumableTrainLoader
from ..utils.rng import rng_state, set_rng_state

logger = logging.getLogger(__name__)


class ExactResumeHook(HookBase):
    """Saves the optimizer, random states and data seed with each checkpoint; restores them.

    Register it first: its ``after_step`` captures the random state before the checkpointer
    saves, and its ``before_step`` restores it, so evaluation or other hooks running between
    a checkpoint and the next iteration leave the training random stream unchanged.
    """

    def __init__(self, loader, checkpoint_period):
        self.loader = loader if isinstance(loader, ResumableTrainLoader) else None
        self.checkpoint_period = checkpoint_period
        self._saved = None  # random states of all processes at the last checkpoint
        self._restore = None  # this process's state to restore before the next iteration

    def before_train(self):
        if self.loader is not None:
            self.loader.start_batch = self.trainer.start_iter

    def before_step(self):
        if self._restore is not None:
            set_rng_state(self._restore)
            self._restore = None

    def after_step(self):
        it = self.trainer.iter
        # The iterations at which detectron2's PeriodicCheckpointer saves.
        if (it + 1) % self.checkpoint_period and it < self.trainer.max_iter - 1:
            return
        self._restore = rng_state()
        self._saved = comm.all_gather(self._restore)

    def state_dict(self):
        return {
            "optimizer": self.trainer.optimizer.state_dict(),
            "rng": self._saved or [rng_state()],
            "data_seed": self.loader.seed if self.loader is not None else None,
        }

    def load_state_dict(self, state):
        self.trainer.optimizer.load_state_dict(state["optimizer"])
        states = state["rng"]
        if len(states) != comm.get_world_size():
            logger.warning(
                f"the checkpoint was written by {len(states)} processes and this run has "
                f"{comm.get_world_size()}: the data order and random state differ from an "
                "uninterrupted run"
            )
        self._restore = states[comm.get_rank() % len(states)]
        set_rng_state(self._restore)
        if self.loader is not None and state.get("data_seed") is not None:
            self.loader.seed = state["data_seed"]
