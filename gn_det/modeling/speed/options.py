"""``MODEL.SPEED.*``: validated speed options, applied to the model's parts at build time."""

from dataclasses import dataclass, field, fields

import torch

from ...utils.errors import GNDetError
from .channels_last import to_channels_last
from .compile import compile_forward
from .fold_bn import fold_bn_at_inference

AMP_DTYPES = {"": None, "bfloat16": torch.bfloat16, "float16": torch.float16}


class SpeedConfigError(GNDetError, ValueError):
    """A MODEL.SPEED.* value that cannot be used; the message names the key and the value."""


@dataclass(frozen=True)
class SpeedOptions:
    """What MODEL.SPEED.* (or a LazyConfig's model.speed) asks for (see gn_det/config.py for
    each key); ``keys`` names where the settings came from, for messages."""

    channels_last: bool = False
    amp_dtype: str = ""
    compile: bool = False
    fold_bn: bool = True
    keys: str = field(default="MODEL.SPEED", compare=False, repr=False)

    def __post_init__(self):
        if self.amp_dtype not in AMP_DTYPES:
            valid = ", ".join(repr(k) for k in AMP_DTYPES)
            key = "AMP_DTYPE" if self.keys.isupper() else "amp_dtype"
            raise SpeedConfigError(
                f"{self.keys}.{key}={self.amp_dtype!r} is not supported; valid: {valid}."
            )

    @classmethod
    def from_config(cls, cfg):
        node = cfg.MODEL.SPEED
        return cls(
            channels_last=bool(node.CHANNELS_LAST),
            amp_dtype=node.AMP_DTYPE,
            compile=bool(node.COMPILE),
            fold_bn=bool(node.FOLD_BN),
        )

    @classmethod
    def from_fields(cls, values, keys="model.speed"):
        """The options of a LazyConfig's ``model.speed`` (see ``speed_fields``)."""
        values = dict(values)
        names = [f.name for f in fields(cls) if f.name != "keys"]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise SpeedConfigError(
                f"{keys} has no field {', '.join(unknown)}; its fields: {', '.join(names)}."
            )
        for name, value in values.items():
            expected = str if name == "amp_dtype" else bool
            if not isinstance(value, expected):
                what = "a string" if expected is str else "True or False"
                raise SpeedConfigError(f"{keys}.{name}={value!r} must be {what}.")
        return cls(**values, keys=keys)

    @property
    def torch_amp_dtype(self):
        """The autocast dtype, or None when mixed precision is off."""
        return AMP_DTYPES[self.amp_dtype]


def speed_fields(**values):
    """The ``model.speed`` node of a LazyConfig: every MODEL.SPEED.* setting as a lower-case
    field (defaults as in the YAML config), with ``values`` set."""
    options = SpeedOptions.from_fields(values)
    return {f.name: getattr(options, f.name) for f in fields(SpeedOptions) if f.name != "keys"}


def apply_speed_options(options, backbone, roi_heads, proposal_generator=None):
    """Apply ``options`` to the built parts in place (keys and parameters are unchanged):
    BN folding at inference, channels_last weights, then torch.compile of the backbone.
    Mixed precision is applied by the model's forward (see ``amp.py``)."""
    parts = [p for p in (backbone, roi_heads, proposal_generator) if p is not None]
    if options.fold_bn:
        for part in parts:
            fold_bn_at_inference(part)
    if options.channels_last:
        for part in parts:
            to_channels_last(part)
    if options.compile:
        compile_forward(backbone)
