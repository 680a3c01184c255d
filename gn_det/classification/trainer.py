"""Pretrain a config's ResNet as a classifier with detectron2's SimpleTrainer and hooks
(``HookedTraining``: SOLVER keys, atomic resumable checkpoints, progress with ETA)."""

import logging

import torch

from ..engine.hooked_training import HookedTraining
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


class ClassifierPretraining(HookedTraining):
    """One pretraining run: model, optimizer, schedule, data and hooks from ``cfg``.

    ``train``/``val`` are (uint8 N x 3 x S x S BGR images, int64 labels).
    """

    def __init__(self, cfg, train, val, num_classes, eval_period):
        self.val = val
        self.last_error = None
        model = ResNetClassifier(cfg, num_classes).to(cfg.MODEL.DEVICE)
        batches = ShuffledBatches(*train, cfg.SOLVER.IMS_PER_BATCH, cfg.SEED,
                                  start_iter=lambda: self.trainer.iter)  # fmt: skip
        super().__init__(cfg, model, batches, eval_period)

    def evaluate(self):
        """Top-1 error on the validation split (logged as ``top1_error``)."""
        self.last_error = top1_error(self.model, *self.val)
        done = min(self.trainer.iter + 1, self.cfg.SOLVER.MAX_ITER)
        logger.info(f"iteration {done}: top-1 error {self.last_error:.2f}%")
        return {"top1_error": self.last_error}

    def train(self):
        """Train to SOLVER.MAX_ITER; returns the final top-1 error (percent)."""
        super().train()
        return self.last_error
