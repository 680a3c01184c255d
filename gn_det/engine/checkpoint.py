"""A DetectionCheckpointer that loads checkpoints without executing code from them.

Stock detectron2 reads ``.pkl`` files with ``pickle.load``, so a crafted file runs
code when loaded. Here ``.pkl`` files go through an unpickler that only builds
containers, numbers, strings and NumPy arrays; torch files are read by
``torch.load``, which on PyTorch >= 2.6 loads with ``weights_only=True``.
"""

import io
import pickle

from detectron2.checkpoint import DetectionCheckpointer
from detectron2.utils.file_io import PathManager

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


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint pickle that references something other than weights."""


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


class GNDetCheckpointer(DetectionCheckpointer):
    """detectron2's checkpointer, with ``.pkl`` files read by ``load_weights_pickle``."""

    def _load_file(self, filename):
        if not filename.endswith(".pkl"):
            return super()._load_file(filename)
        with PathManager.open(filename, "rb") as f:
            try:
                data = load_weights_pickle(io.BytesIO(f.read()))
            except UnsafeCheckpointError as e:
                raise UnsafeCheckpointError(f"{filename}: {e}") from None
        if "model" in data and "__author__" in data:  # detectron2 model-zoo layout
            return data
        blobs = data.get("blobs", data)  # Detectron (Caffe2) layout
        weights = {k: v for k, v in blobs.items() if not k.endswith("_momentum")}
        return {"model": weights, "__author__": "Caffe2", "matching_heuristics": True}

    @classmethod
    def like(cls, checkpointer):
        """A GNDetCheckpointer with the model, folder and checkpointables of ``checkpointer``."""
        return cls(
            checkpointer.model,
            checkpointer.save_dir,
            save_to_disk=checkpointer.save_to_disk,
            **checkpointer.checkpointables,
        )
