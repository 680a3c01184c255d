"""A DetectionCheckpointer that loads without executing code and saves crash-safely.

Stock detectron2 reads ``.pkl`` files with ``pickle.load``, so a crafted file runs
code when loaded. Here ``.pkl`` files go through an unpickler that only builds
containers, numbers, strings and NumPy arrays; torch files are read by
``torch.load``, which on PyTorch >= 2.6 loads with ``weights_only=True``.

Checkpoints and ``last_checkpoint`` are written to a temporary file and renamed, so a
crash never leaves a truncated ``model_*.pth`` or a ``last_checkpoint`` naming one;
weights with NaN/Inf are never saved over the last good checkpoint.
"""

import io
import logging
import os
import pickle
import zipfile

import detectron2.utils.comm as comm
import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.utils.file_io import PathManager

from ..utils.atomic_file import AtomicWritesPathManager
from ..utils.errors import GNDetError
from .load_report import LoadReport, missing_backbone_error
from .norm_match import check_norm_match

logger = logging.getLogger(__name__)

# (module, name) pairs a weights pickle may reference: NumPy arrays and plain containers.
_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # bytes pickled by Python 2 (Detectron's Caffe2 files)
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
}


class UnsafeCheckpointError(GNDetError, pickle.UnpicklingError):
    """A checkpoint pickle that references something other than weights."""


class CheckpointError(GNDetError, ValueError):
    """A checkpoint file that is missing, empty, truncated or not a checkpoint."""


def check_checkpoint_file(path):
    """Raise CheckpointError if ``path`` is missing, empty, or a truncated torch zip file.

    Cheap: reads the zip directory only, not the tensors. Pickles are not checked here.
    """
    if not os.path.isfile(path):
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        raise CheckpointError(f"{path} {what}; expected a checkpoint file")
    if os.path.getsize(path) == 0:
        raise CheckpointError(f"{path} is empty (0 bytes); expected a checkpoint file")
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"PK":
        try:
            with zipfile.ZipFile(path):
                pass
        except zipfile.BadZipFile:
            raise CheckpointError(
                f"{path} is truncated or damaged (a torch file without its zip directory)"
            ) from None


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


class WeightsUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global outside ``_ALLOWED_GLOBALS``."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafeCheckpointError(
            f"refusing to load {module}.{name}: a weights file holds only arrays and containers"
        )


def load_weights_pickle(file_obj):
    """Unpickle a weights ``.pkl`` (Detectron/detectron2 formats) without running its code."""
    return WeightsUnpickler(file_obj, encoding="latin1").load()


def refused_load_error(filename, error):
    """The error for a torch file that ``torch.load(weights_only=True)`` refused: unsafe if it
    references a global (code), else not a checkpoint."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    detail = next((x for x in lines if "GLOBAL" in x or x.startswith("Unsupported")), lines[0])
    if "GLOBAL" in detail:
        return UnsafeCheckpointError(f"{filename}: refusing to load: {detail}")
    return CheckpointError(f"{filename} is not a checkpoint ({detail})")


class GNDetCheckpointer(DetectionCheckpointer):
    """detectron2's checkpointer, with ``.pkl`` files read by ``load_weights_pickle``,
    atomic writes, clear errors for missing or damaged checkpoint files, and verified
    loading: norms must match (see norm_match), a table of what loaded per part is logged,
    and missing backbone weights are an error unless ``allow_missing_backbone``."""

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
        if not filename.endswith(".pkl"):
            check_checkpoint_file(filename)
            try:
                return super()._load_file(filename)
            except pickle.UnpicklingError as e:
                raise refused_load_error(filename, e) from None
            except (RuntimeError, EOFError, KeyError, ValueError) as e:
                raise CheckpointError(
                    f"{filename} cannot be read as a checkpoint ({type(e).__name__}: {e})"
                ) from None
        with PathManager.open(filename, "rb") as f:
            try:
                data = load_weights_pickle(io.BytesIO(f.read()))
            except UnsafeCheckpointError as e:
                raise UnsafeCheckpointError(f"{filename}: {e}") from None
            except (pickle.UnpicklingError, EOFError, ValueError) as e:
                raise CheckpointError(
                    f"{filename} is not a readable weights pickle ({type(e).__name__}: {e})"
                ) from None
        if not isinstance(data, dict):
            raise CheckpointError(f"{filename} holds a {type(data).__name__}, not a weights dict")
        if "model" in data and "__author__" in data:  # detectron2 model-zoo layout
            return data
        blobs = data.get("blobs", data)  # Detectron (Caffe2) layout
        weights = {k: v for k, v in blobs.items() if not k.endswith("_momentum")}
        return {"model": weights, "__author__": "Caffe2", "matching_heuristics": True}

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
