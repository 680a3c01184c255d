"""A short fingerprint of the weights in a weights file: equal exactly when every tensor is.

Training from the same seed on another CPU can round differently and end in other weights;
studies record this fingerprint to know which runs started from the same pretrained weights.
It hashes names, dtypes, shapes and values (not the file's bytes), so the same weights
fingerprint the same whether saved as a detectron2 ``.pkl`` of NumPy arrays or a torch file.
"""

import hashlib

import numpy as np
import torch

from .safe_load import CheckpointError, load_weights_file

FINGERPRINT_LENGTH = 12  # hex digits: a collision among a study's files is out of reach


def _state(path, content):
    """The ``{name: tensor}`` of a loaded weights file (detectron2 ``.pkl`` and checkpoints
    keep it under ``model``)."""
    state = content.get("model", content) if isinstance(content, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds no weights dictionary")
    return state


def _as_bytes(value):
    """(dtype, shape, bytes) of an array or tensor; None for anything else (metadata)."""
    if torch.is_tensor(value):
        value = value.detach().cpu().contiguous()
        dtype = str(value.dtype).removeprefix("torch.")
        return dtype, tuple(value.shape), value.reshape(-1).view(torch.uint8).numpy()
    if isinstance(value, np.ndarray):
        value = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("="))
        return value.dtype.name, value.shape, value.reshape(-1).view(np.uint8)
    return None


def weights_fingerprint(path):
    """The first FINGERPRINT_LENGTH hex digits of a SHA-256 over the file's weights, in name
    order; CheckpointError for a file that holds none."""
    _, content = load_weights_file(path)
    digest = hashlib.sha256()
    for name, value in sorted(_state(path, content).items()):
        array = _as_bytes(value)
        if array is None:
            continue
        dtype, shape, data = array
        digest.update(f"{name}|{dtype}|{shape}|".encode())
        digest.update(data.tobytes())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]
