"""Read a source checkpoint's weights without running code in it."""

import io
import pickle

import numpy as np
import torch

from ..checkpoint.checkpointer import (
    CheckpointError,
    UnsafeCheckpointError,
    check_checkpoint_file,
    load_weights_pickle,
    refused_load_error,
)
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


def _load_torch_file(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        error = refused_load_error(path, e)
        if isinstance(error, UnsafeCheckpointError):
            raise error from None
        raise ConvertError(str(error)) from None
    except (RuntimeError, EOFError, ValueError) as e:
        raise ConvertError(f"{path} is not a checkpoint ({str(e).splitlines()[0]})") from None


def _load_pickle(path):
    with open(path, "rb") as f:
        try:
            return load_weights_pickle(io.BytesIO(f.read()))
        except UnsafeCheckpointError as e:
            raise UnsafeCheckpointError(f"{path}: {e}") from None
        except (pickle.UnpicklingError, EOFError, ValueError) as e:
            raise ConvertError(f"{path} is not a checkpoint ({type(e).__name__}: {e})") from None


def _load_safetensors(path):
    from safetensors.numpy import load_file

    try:
        return load_file(path)
    except Exception as e:  # safetensors raises its own error types
        raise ConvertError(f"{path} is not a safetensors file ({e})") from None


def read_weights(path):
    """{name: NumPy array} of a ``.pkl`` (restricted unpickler), ``.safetensors`` or torch
    file (``weights_only``). ConvertError / UnsafeCheckpointError for anything else."""
    path = str(path)
    try:
        check_checkpoint_file(path)
    except CheckpointError as e:
        raise ConvertError(str(e)) from None
    with open(path, "rb") as f:
        head = f.read(2)
    if path.endswith(".safetensors"):
        data = _load_safetensors(path)
    elif head == b"PK":
        data = _load_torch_file(path)
    else:
        data = _load_pickle(path)
    return _unwrap(data, path)
