"""Pretrain a config's ResNet as a classifier with detectron2's SimpleTrainer and hooks.

The optimizer and LR schedule come from the config's SOLVER keys (``build_optimizer``
gives norm parameters SOLVER.WEIGHT_DECAY_NORM), checkpoints from GNDetCheckpointer
(atomic, resumable), progress and ETA from detectron2's CommonMetricPrinter.
"""

import logging
import os
import weakref

import torch
from detectron2.engine import SimpleTrainer, hooks
from detectron2.solver import build_lr_scheduler, build_optimizer
from detectron2.utils.events import CommonMetricPrinter, JSONWriter

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..engine.divergence import DivergenceGuard
from ..engine.final_eval import FinalEvalHook
from ..engine.stop_report import StopReport
from .batches import ShuffledBatches
from .model import ResNetClassifier

logger = logging.getLogger(__name__)


@torch.no_grad()
def top1_error(model, images, labels, batch_size=256):
    """Top-1 error (percent) of ``model`` on ``images``, in eval mode."""
    was_training = model.training
    model.eval()
    wrong = 0
    for i in range(0, len(labels), batch_size):
        logits = model({"images": torch.as_tensor(images[i : i + batch_size])})
        wrong += int((logits.argmax(1).cpu() != torch.as_tensor(labels[i : i + batch_size])).sum())
    model.train(was_training)
    return 100.0 * wrong / len(labels)


class ClassifierPretraining:
    """One pretraining run: model, optimizer, schedule, data and hooks from ``cfg``.

    ``train``/``val`` are (uint8 N x 3 x S x S BGR images, int64 labels).
    """

    def __init__(self, cfg, train, val, num_classes, eval_period):
        self.cfg = cfg
        self.val = val
        self.model = ResNetClassifier(cfg, num_classes).to(cfg.MODEL.DEVICE)
        self.optimizer = build_optimizer(cfg, self.model)
        self.scheduler = build_lr_scheduler(cfg, self.optimizer)
        batches = ShuffledBatches(*train, cfg.SOLVER.IMS_PER_BATCH, cfg.SEED,
                                  start_iter=lambda: self.trainer.iter)  # fmt: skip
        self.trainer = SimpleTrainer(self.model, batches, self.optimizer)
        self.trainer.cfg = cfg  # read by DivergenceGuard's message
        self.checkpointer = GNDetCheckpointer(
            self.model, cfg.OUTPUT_DIR, optimizer=self.optimizer,
            scheduler=self.scheduler, trainer=weakref.proxy(self.trainer),
        )  # fmt: skip
        self.last_error = None
        os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
        max_iter = cfg.SOLVER.MAX_ITER
        writers = [
            CommonMetricPrinter(max_iter),
            JSONWriter(os.path.join(cfg.OUTPUT_DIR, "metrics.json")),
        ]
        self.trainer.register_hooks([
            hooks.IterationTimer(),
            hooks.LRScheduler(self.optimizer, self.scheduler),
            hooks.PeriodicCheckpointer(self.checkpointer, cfg.SOLVER.CHECKPOINT_PERIOD),
            FinalEvalHook(eval_period, self.evaluate),
            # at least once per evaluation, so metrics.json holds every top1_error (the
            # learning curve); JSONWriter keeps only the latest value between writes
            hooks.PeriodicWriter(writers, period=min(20, eval_period)),
            DivergenceGuard(),
            StopReport(),
        ])  # fmt: skip

    def evaluate(self):
        """Top-1 error on the validation split (logged as ``top1_error``)."""
        self.last_error = top1_error(self.model, *self.val)
        done = min(self.trainer.iter + 1, self.cfg.SOLVER.MAX_ITER)
        logger.info(f"iteration {done}: top-1 error {self.last_error:.2f}%")
        return {"top1_error": self.last_error}

    def resume_or_load(self, resume):
        """Continue from the last checkpoint in OUTPUT_DIR if ``resume`` and one exists."""
        self.checkpointer.resume_or_load("", resume=resume)
        if resume and self.checkpointer.has_checkpoint():
            self.trainer.start_iter = self.trainer.iter + 1

    def train(self):
        """Train to SOLVER.MAX_ITER; returns the final top-1 error (percent)."""
        start = self.trainer.start_iter
        if start < self.cfg.SOLVER.MAX_ITER:
            self.trainer.train(start, self.cfg.SOLVER.MAX_ITER)
        if self.last_error is None:
            self.evaluate()
        return self.last_error
