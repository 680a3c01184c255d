"""Read a source checkpoint's weights (any format the safe loader reads) as NumPy arrays."""

import numpy as np
import torch

from ..checkpoint.safe_load import load_weights_file
from .resnet_layout import ConvertError

# Keys under which training scripts nest the weights.
_NESTED = ("state_dict", "model", "blobs", "model_state", "module")


def _unwrap(data, path):
    """The flat {name: array} of a loaded checkpoint, unwrapping the usual nestings."""
    for _ in range(3):
        if not isinstance(data, dict):
            break
        inner = next((data[k] for k in _NESTED if isinstance(data.get(k), dict)), None)
        if inner is None:
            break
        data = inner
    if not isinstance(data, dict) or not data:
        raise ConvertError(f"{path} holds no weights dict (found {type(data).__name__})")
    weights = {}
    for key, value in data.items():
        if torch.is_tensor(value):
            weights[key.removeprefix("module.")] = value.detach().cpu().numpy()
        elif isinstance(value, np.ndarray):
            weights[key.removeprefix("module.")] = value
    if not weights:
        raise ConvertError(f"{path} holds no tensors or arrays; it is not a checkpoint")
    return weights


def read_weights(path):
    """{name: NumPy array} of a torch, pickle or safetensors file, read without running code
    (``gn_det.checkpoint.safe_load``). CheckpointError / UnsafeCheckpointError for a file that
    cannot be read, ConvertError for one without weights."""
    path = str(path)
    _, data = load_weights_file(path)
    return _unwrap(data, path)
