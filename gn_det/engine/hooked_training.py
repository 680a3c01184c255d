"""``HookedTraining``: a detectron2 SimpleTrainer run set up from a config's SOLVER keys.

Shared by the backbone pretraining and distillation tools: the optimizer and LR schedule
come from ``build_optimizer``/``build_lr_scheduler`` (norm parameters get
SOLVER.WEIGHT_DECAY_NORM and SOLVER.NORM_LR_FACTOR), checkpoints from GNDetCheckpointer
(atomic, resumable), progress and ETA from detectron2's CommonMetricPrinter; a non-finite
loss stops the run, and Ctrl-C or a refused write ends it with one line that says how to
resume.
"""

import os
import weakref

from detectron2.engine import SimpleTrainer, hooks
from detectron2.solver import build_lr_scheduler
from detectron2.utils.events import CommonMetricPrinter, JSONWriter

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..compat.detectron2_private import FirstGroupLRScheduler
from .divergence import DivergenceGuard
from .final_eval import FinalEvalHook
from .optimizer import build_optimizer
from .stop_report import StopReport

# Periodic checkpoints kept in OUTPUT_DIR: the last resumes a stopped run, the one before it
# is where a diverged run goes back to; older ones only fill the disk (a 32-epoch
# classification run saves 32 of 89 MB).
CHECKPOINTS_KEPT = 2


class HookedTraining:
    """Train ``model`` on ``data`` (an iterable of batches) to cfg.SOLVER.MAX_ITER.

    ``evaluate`` (a subclass method returning ``{name: value}``) runs every ``eval_period``
    iterations and at the end; ``checkpointed`` is the module whose weights checkpoints hold
    (default: ``model``); the last ``CHECKPOINTS_KEPT`` periodic checkpoints stay.
    """

    def __init__(self, cfg, model, data, eval_period, checkpointed=None):
        self.cfg = cfg
        self.model = model
        self.optimizer = build_optimizer(cfg, model)
        self.scheduler = build_lr_scheduler(cfg, self.optimizer)
        self.trainer = SimpleTrainer(model, data, self.optimizer)
        self.trainer.cfg = cfg  # read by DivergenceGuard's message
        self.checkpointer = GNDetCheckpointer(
            checkpointed if checkpointed is not None else model, cfg.OUTPUT_DIR,
            optimizer=self.optimizer, scheduler=self.scheduler,
            trainer=weakref.proxy(self.trainer),
        )  # fmt: skip
        self.evaluated = False
        os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
        max_iter = cfg.SOLVER.MAX_ITER
        writers = [
            CommonMetricPrinter(max_iter),
            JSONWriter(os.path.join(cfg.OUTPUT_DIR, "metrics.json")),
        ]
        period = cfg.SOLVER.CHECKPOINT_PERIOD
        self.trainer.register_hooks([
            hooks.IterationTimer(),
            FirstGroupLRScheduler(self.optimizer, self.scheduler),
            hooks.PeriodicCheckpointer(self.checkpointer, period, max_to_keep=CHECKPOINTS_KEPT),
            FinalEvalHook(eval_period, self._evaluate),
            # at least once per evaluation, so metrics.json holds every evaluated value (the
            # learning curve); JSONWriter keeps only the latest value between writes
            hooks.PeriodicWriter(writers, period=min(20, eval_period)),
            DivergenceGuard(),
            StopReport(),
        ])  # fmt: skip

    def evaluate(self):
        raise NotImplementedError

    def _evaluate(self):
        self.evaluated = True
        return self.evaluate()

    def resume_or_load(self, resume):
        """Continue from the last checkpoint in OUTPUT_DIR if ``resume`` and one exists."""
        self.checkpointer.resume_or_load("", resume=resume)
        if resume and self.checkpointer.has_checkpoint():
            self.trainer.start_iter = self.trainer.iter + 1

    def train(self):
        """Train from the start (or resumed) iteration to SOLVER.MAX_ITER, then make sure the
        final state was evaluated (a run resumed after its end trains nothing)."""
        start = self.trainer.start_iter
        if start < self.cfg.SOLVER.MAX_ITER:
            self.trainer.train(start, self.cfg.SOLVER.MAX_ITER)
        if not self.evaluated:
            self.evaluate()
