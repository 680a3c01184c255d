"""A DetectionCheckpointer that loads without executing code and saves crash-safely.

Stock detectron2 reads ``.pkl`` files with ``pickle.load``, so a crafted file runs
code when loaded. Here every file is read by ``safe_load.load_weights_file`` (format from
the content: torch files with ``weights_only``, pickles with a restricted unpickler,
safetensors) and put into detectron2's checkpoint layout by ``checkpoint_layout``.

Checkpoints and ``last_checkpoint`` are written to a temporary file and renamed, so a
crash never leaves a truncated ``model_*.pth`` or a ``last_checkpoint`` naming one;
weights with NaN/Inf are never saved over the last good checkpoint.
"""

import logging
import os

import detectron2.utils.comm as comm
import numpy as np
import torch
from detectron2.checkpoint import DetectionCheckpointer

from ..utils.atomic_file import AtomicWritesPathManager
from .load_report import LoadReport, missing_backbone_error
from .norm_match import check_norm_match
from .safe_load import (
    CheckpointError,
    check_checkpoint_file,
    load_weights_file,
)

logger = logging.getLogger(__name__)


def resumable_checkpoint(save_dir):
    """The checkpoint that ``--resume`` loads from ``save_dir``, or None if there is none.

    Raises CheckpointError if ``last_checkpoint`` names a file that is missing or truncated.
    """
    tag = os.path.join(save_dir, "last_checkpoint")
    if not os.path.isfile(tag):
        return None
    with open(tag) as f:
        name = f.read().strip()
    path = os.path.join(save_dir, name)
    try:
        check_checkpoint_file(path)
    except CheckpointError as e:
        raise CheckpointError(
            f"{tag} names {name!r}, but {e}. Point it at an earlier model_*.pth in {save_dir}, "
            "or delete it to start from MODEL.WEIGHTS"
        ) from None
    return path


def nonfinite_tensors(state_dict):
    """Names of floating-point tensors in ``state_dict`` holding NaN or Inf."""
    return [
        k
        for k, v in state_dict.items()
        if torch.is_tensor(v) and v.is_floating_point() and not torch.isfinite(v).all()
    ]


class GNDetCheckpointer(DetectionCheckpointer):
    """detectron2's checkpointer, with every file read by ``load_weights_file``, atomic
    writes, clear errors for missing or damaged checkpoint files, and verified loading: norms
    must match (see norm_match), a table of what loaded per part is logged, and missing
    backbone weights are an error unless ``allow_missing_backbone``."""

    def __init__(self, model, save_dir="", *, allow_missing_backbone=False, **kwargs):
        super().__init__(model, save_dir, **kwargs)
        self.path_manager = AtomicWritesPathManager(self.path_manager)
        self.allow_missing_backbone = allow_missing_backbone
        self.last_load_report = None
        self._loading = ""

    def save(self, name, **kwargs):
        """Save ``<name>.pth`` (atomically) unless the weights hold NaN/Inf."""
        bad = nonfinite_tensors(self.model.state_dict()) if self.save_to_disk else []
        if bad:
            logger.error(
                f"not saving {name}.pth: {len(bad)} weight tensors hold NaN/Inf (first: "
                f"{bad[0]}); the last checkpoint in {self.save_dir} stays the last good state"
            )
            return
        super().save(name, **kwargs)

    def load(self, path, *args, **kwargs):
        self._loading = path
        # Other machines may lack the file: detectron2 then broadcasts the main process's.
        if path and "://" not in path and (comm.is_main_process() or os.path.exists(path)):
            check_checkpoint_file(path)
        return super().load(path, *args, **kwargs)

    def _load_model(self, checkpoint):
        model_state = self.model.state_dict()
        check_norm_match(self.model, checkpoint, self._loading)
        shapes = {k: tuple(v.shape) for k, v in checkpoint["model"].items() if hasattr(v, "shape")}
        name_matching = checkpoint.get("matching_heuristics", False)
        if name_matching and checkpoint.get("__author__") == "Caffe2":
            shapes = {}  # renamed by detectron2 before matching: names unknown here
        incompatible = super()._load_model(checkpoint)
        report = LoadReport.of(model_state, incompatible, shapes, name_matching)
        self.last_load_report = report
        logger.info(f"Loaded MODEL.WEIGHTS {self._loading}:\n{report.table()}")
        if report.missing_in("backbone") and not self.allow_missing_backbone:
            raise missing_backbone_error(self._loading, report)
        return incompatible

    def resume_or_load(self, path, *, resume=True):
        if resume:
            resumable_checkpoint(self.save_dir)  # clear error for a missing/truncated file
        return super().resume_or_load(path, resume=resume)

    def _load_file(self, filename):
        return checkpoint_layout(*load_weights_file(filename), filename)

    @classmethod
    def for_config(cls, model, cfg, **kwargs):
        """A GNDetCheckpointer saving to cfg.OUTPUT_DIR, loading as cfg.MODEL.BACKBONE says."""
        allow = cfg.MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS
        return cls(model, cfg.OUTPUT_DIR, allow_missing_backbone=allow, **kwargs)

    @classmethod
    def like(cls, checkpointer, **kwargs):
        """A GNDetCheckpointer with the model, folder and checkpointables of ``checkpointer``."""
        return cls(
            checkpointer.model,
            checkpointer.save_dir,
            save_to_disk=checkpointer.save_to_disk,
            **kwargs,
            **checkpointer.checkpointables,
        )


def checkpoint_layout(fmt, data, filename):
    """A loaded weights file in detectron2's checkpoint layout: ``{"model": weights, ...}``.

    Pickles are detectron2 model-zoo files (``model`` and ``__author__``) or Detectron
    (Caffe2) blobs, renamed by detectron2's name matching; torch and safetensors files are
    gn_det/detectron2 checkpoints or a bare state dict, as detectron2 reads ``.pth`` files.
    """
    if not isinstance(data, dict):
        raise CheckpointError(f"{filename} holds a {type(data).__name__}, not a weights dict")
    if fmt == "pickle" and not ("model" in data and "__author__" in data):
        blobs = data.get("blobs", data)  # Detectron (Caffe2) layout
        if not isinstance(blobs, dict):
            raise CheckpointError(f"{filename}: 'blobs' is a {type(blobs).__name__}, not a dict")
        weights = {k: v for k, v in blobs.items() if not str(k).endswith("_momentum")}
        data = {"model": weights, "__author__": "Caffe2", "matching_heuristics": True}
    elif "model" not in data:
        data = {"model": data}
    weights = data["model"]
    if not isinstance(weights, dict):
        raise CheckpointError(
            f"{filename}: 'model' is a {type(weights).__name__}, not a dict of weights"
        )
    bad = [k for k, v in weights.items() if not isinstance(v, (np.ndarray, torch.Tensor))]
    if bad:
        raise CheckpointError(
            f"{filename}: {len(bad)} entries of its weights are not arrays or tensors "
            f"(first: {bad[0]!r} is a {type(weights[bad[0]]).__name__})"
        )
    return data
