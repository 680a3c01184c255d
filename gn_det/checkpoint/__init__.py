"""Weights in and out: a checkpointer that loads without running code and saves crash-safely,
verified loading (per-part report, norm match), MODEL.WEIGHTS checks, detectron2 .pkl export."""

from .checkpointer import CheckpointError, GNDetCheckpointer, UnsafeCheckpointError
from .load_report import MissingWeightsError, WeightsMismatchError
from .norm_match import NormMismatchError
from .weights import check_weights
from .weights_pkl import detectron2_weights, save_weights_pkl

__all__ = [
    "CheckpointError",
    "GNDetCheckpointer",
    "MissingWeightsError",
    "NormMismatchError",
    "UnsafeCheckpointError",
    "WeightsMismatchError",
    "check_weights",
    "detectron2_weights",
    "save_weights_pkl",
]
