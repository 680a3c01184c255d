"""The teacher: the config's ResNet with frozen BatchNorm, weights from a BN-pretrained file.

The file is read without running code (``gn_det.checkpoint.safe_load``, through the
converters' ``read_weights``) in any layout gn_det knows: detectron2 names
(``tools/pretrain_backbone.py`` and ``tools/convert_pretrained.py`` output, or a detector
checkpoint's ``backbone.bottom_up.*``), Detectron (Caffe2) blobs, or torchvision/timm names
(``.pth``, ``.safetensors``), converted by gn_det's converters.
"""

import re

import torch

from ..modeling.norm import NormSpec, metadata_family, weights_family
from ..pretrained import convert_resnet, guess_format, read_weights
from .errors import DistillationError
from .resnet import build_resnet

_DETECTRON2_KEY = re.compile(r"^(stem|res\d)\.")
_DETECTOR_PREFIX = "backbone.bottom_up."
# The teacher's norm: BatchNorm with its statistics and affine frozen.
TEACHER_NORM = "FrozenBN"


def teacher_weights(path, input_format):
    """({detectron2 name: array} of the ResNet in ``path``, its norm family: "BN", "GN" or None
    for no norm, from ``gn_det.modeling.norm``). A source whose first conv expects the other
    channel order is flipped to ``input_format``."""
    weights = read_weights(path)
    inside = {k.removeprefix(_DETECTOR_PREFIX): v for k, v in weights.items()
              if k.startswith(_DETECTOR_PREFIX)}  # fmt: skip
    weights = inside or weights
    if any(_DETECTRON2_KEY.match(k) for k in weights):
        weights = {k: v for k, v in weights.items() if _DETECTRON2_KEY.match(k)}
        return weights, weights_family(k for k in weights if ".norm." in k)
    fmt = guess_format(weights)
    if fmt is None:
        shown = ", ".join(list(weights)[:3])
        raise DistillationError(
            f"--teacher {path}: its weights ({shown}, ...) are not a ResNet in a layout gn_det "
            "knows (detectron2 stem./res2..., Detectron conv1_*/res2_0_branch*, torchvision or "
            "timm conv1./layer1...)"
        )
    weights, norm, _ = convert_resnet(weights, fmt, input_format=input_format)
    return weights, metadata_family(norm)


def check_teacher_norm(family, path):
    """DistillationError unless the teacher normalizes with BatchNorm."""
    if family == "GN":
        raise DistillationError(
            f"--teacher {path} is already a GroupNorm-family backbone (its norm layers have "
            "scale and shift but no BatchNorm statistics): fine-tune it directly with "
            f"MODEL.WEIGHTS {path} MODEL.NORM.TYPE GN; the teacher must be BN-pretrained"
        )
    if family != "BN":
        raise DistillationError(
            f"--teacher {path} has no norm layers; the teacher must be a BN-pretrained ResNet"
        )


def first_mismatch(weights, state):
    """The first key where ``weights`` and the model ``state`` differ, said in words, or None."""
    for key, value in state.items():
        if key not in weights:
            return f"{key} is in the config's ResNet but not in the teacher"
        shape = tuple(weights[key].shape)
        if shape != tuple(value.shape):
            return f"{key} has shape {shape} in the teacher, {tuple(value.shape)} in the config"
    extra = next((k for k in weights if k not in state), None)
    return extra and f"{extra} is in the teacher but not in the config's ResNet"


def check_fits(weights, resnet, path, cfg):
    """DistillationError naming the first mismatching key if ``weights`` are not a ResNet of
    the config's depth and widths."""
    mismatch = first_mismatch(weights, resnet.state_dict())
    if mismatch:
        r = cfg.MODEL.RESNETS
        raise DistillationError(
            f"--teacher {path} does not fit the config's ResNet (MODEL.RESNETS.DEPTH {r.DEPTH}, "
            f"STEM_OUT_CHANNELS {r.STEM_OUT_CHANNELS}, RES2_OUT_CHANNELS {r.RES2_OUT_CHANNELS}): "
            f"{mismatch}. Use a config with the teacher's depth and widths"
        )


def build_teacher(cfg, path):
    """The config's ResNet with FrozenBN (statistics and affine frozen), loaded from ``path``,
    in eval mode with no trainable parameter."""
    weights, family = teacher_weights(path, cfg.INPUT.FORMAT)
    check_teacher_norm(family, path)
    teacher = build_resnet(cfg, NormSpec(kind=TEACHER_NORM))
    check_fits(weights, teacher, path, cfg)
    state = teacher.state_dict()
    teacher.load_state_dict({k: torch.as_tensor(weights[k]).to(v.dtype) for k, v in state.items()})
    teacher.requires_grad_(False)
    return teacher.eval()
