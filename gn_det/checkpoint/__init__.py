"""Weights in and out: one safe loader (no code run from any file), a checkpointer that uses it
and saves crash-safely, verified loading (per-part report, norm match), MODEL.WEIGHTS checks,
detectron2 .pkl export, fingerprints of the weights a file holds."""

from .checkpointer import GNDetCheckpointer
from .fingerprint import weights_fingerprint
from .load_report import MissingWeightsError, WeightsMismatchError
from .norm_match import NormMismatchError
from .safe_load import CheckpointError, UnsafeCheckpointError, load_weights_file
from .weights import check_weights
from .weights_pkl import backbone_metadata, detectron2_weights, save_weights_pkl

__all__ = [
    "CheckpointError",
    "GNDetCheckpointer",
    "MissingWeightsError",
    "NormMismatchError",
    "UnsafeCheckpointError",
    "WeightsMismatchError",
    "backbone_metadata",
    "check_weights",
    "load_weights_file",
    "detectron2_weights",
    "save_weights_pkl",
    "weights_fingerprint",
]
