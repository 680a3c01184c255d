"""One distillation run: detectron2's SimpleTrainer and hooks (``HookedTraining``) training
the student to match the teacher's maps, the held-out feature error evaluated each epoch."""

import logging

from ..engine.hooked_training import HookedTraining
from .batches import CropBatches, iteration_loader
from .loss import feature_errors
from .model import DistillationModel

logger = logging.getLogger(__name__)


class Distillation(HookedTraining):
    """Distill ``teacher`` into ``student`` on random resized crops of ``train_files``;
    ``heldout`` (uint8 N x 3 x S x S) measures the feature error. Checkpoints hold the
    student only: the teacher is read again from its file on ``--resume``."""

    def __init__(self, cfg, teacher, student, train_files, heldout, *, image_size,
                 stage_weights, eval_period, seed):  # fmt: skip
        self.heldout = heldout
        self.errors = None
        model = DistillationModel(cfg, teacher, student, stage_weights).to(cfg.MODEL.DEVICE)
        batches = CropBatches(train_files, cfg.SOLVER.IMS_PER_BATCH, image_size, seed)
        loader = iteration_loader(batches, lambda: self.trainer.iter, cfg.DATALOADER.NUM_WORKERS)
        super().__init__(cfg, model, loader, eval_period, checkpointed=student)

    def evaluate(self):
        """Relative feature error of every stage on the held-out images."""
        self.errors = feature_errors(self.model, self.heldout)
        done = min(self.trainer.iter + 1, self.cfg.SOLVER.MAX_ITER)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in self.errors.items())
        logger.info(f"iteration {done}: held-out feature error {shown}")
        return {f"feature_error/{k}": v for k, v in self.errors.items()}

    def step_seconds(self):
        """Median seconds of a training step (data, teacher, student, update) in this process,
        from detectron2's IterationTimer; None if no step ran."""
        storage = getattr(self.trainer, "storage", None)
        times = sorted(v for v, _ in storage.history("time").values()) if storage else []
        return times[len(times) // 2] if times else None

    def train(self):
        """Train to SOLVER.MAX_ITER; returns the final {stage: feature error}."""
        super().train()
        return self.errors
