"""detectron2's LazyConfig with gn_det's guarantees: loading and overrides (``model.norm.*``),
pre-launch checks, checked dataloader nodes and the trainer, over gn_det.engine's runtime."""

from .config import load_lazy_config
from .trainer import LazyTrainer

__all__ = ["LazyTrainer", "load_lazy_config"]
