"""``MODEL.SPEED.*``: how the model computes (BN folding, channels_last, autocast, compile),
never its parameters or checkpoint keys. Measured by tools/benchmark.py (gn_det/benchmark/)."""

from .amp import autocast, outputs_to_float32
from .channels_last import to_channels_last
from .compile import compile_forward
from .fold_bn import BNFoldedConv2d, fold_bn_at_inference
from .options import SpeedConfigError, SpeedOptions, apply_speed_options, speed_fields

__all__ = [
    "BNFoldedConv2d",
    "SpeedConfigError",
    "SpeedOptions",
    "apply_speed_options",
    "autocast",
    "compile_forward",
    "fold_bn_at_inference",
    "outputs_to_float32",
    "speed_fields",
    "to_channels_last",
]
