"""Mixed precision (autocast) for the whole model forward, training and inference.

Convs and linears run in float16/bfloat16; GN statistics stay float32: CUDA autocast runs
``group_norm`` in float32, and the CPU kernel accumulates bfloat16 input in float32.
Box decoding is float32 in detectron2, and inference outputs are cast back to float32 so
that results look the same with or without mixed precision. float16 training needs a
loss scaler: use it with ``SOLVER.AMP.ENABLED`` (detectron2's AMPTrainer, CUDA only).
"""

import contextlib

import torch
from detectron2.structures import Boxes, Instances


def autocast(device, dtype):
    """An autocast context for ``device`` in ``dtype``; a no-op when ``dtype`` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def _to_float32(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float()
    if isinstance(value, Boxes):
        return Boxes(value.tensor.float())
    if isinstance(value, Instances):
        out = Instances(value.image_size)
        for name, field in value.get_fields().items():
            out.set(name, _to_float32(field))
        return out
    return value


def outputs_to_float32(results):
    """Inference results (list of dicts of Instances/tensors) with float fields in float32."""
    return [{k: _to_float32(v) for k, v in r.items()} for r in results]
