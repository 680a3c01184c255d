"""Convert a pretrained ResNet (Detectron, torchvision or timm layout) to detectron2 weights."""

import re

import numpy as np

from ..modeling.norm import NormSpec, is_group_norm, norm_metadata, weights_family
from .detectron_layout import detectron_name
from .resnet_layout import ConvertError, check_depth, resnet_depth
from .torchvision_layout import torchvision_name

# Source layouts, their name mapping and the channel order their first conv expects.
FORMATS = {
    "detectron": (detectron_name, "BGR"),
    "torchvision": (torchvision_name, "RGB"),
    "timm": (torchvision_name, "RGB"),
}


def rename(weights, fmt):
    """{detectron2 name: array} of ``weights`` in layout ``fmt`` (dropped keys left out)."""
    if fmt not in FORMATS:
        raise ConvertError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    name_of = FORMATS[fmt][0]
    out = {}
    for key, value in weights.items():
        name = name_of(key)
        if name is not None:
            out[name] = np.ascontiguousarray(value)
    if not out:
        raise ConvertError(f"no ResNet weights found in the {fmt} layout; is --format right?")
    return out


def guess_format(weights):
    """The source layout whose names ``weights`` use ("detectron" or "torchvision"; timm's are
    torchvision's), or None: the first whose name mapping takes a key of ``weights``."""
    for fmt in ("detectron", "torchvision"):
        name_of = FORMATS[fmt][0]
        for key in weights:
            try:
                if name_of(key) is not None:
                    return fmt
            except ConvertError:
                continue
    return None


def structure(weights):
    """(depth, norm kind) of detectron2-named backbone ``weights``."""
    blocks = [0, 0, 0, 0]
    for key in weights:
        m = re.match(r"res(\d)\.(\d+)\.", key)
        if m:
            stage = int(m.group(1)) - 2
            blocks[stage] = max(blocks[stage], int(m.group(2)) + 1)
    bottleneck = any(k.startswith("res2.0.conv3.") for k in weights)
    depth = resnet_depth(blocks, bottleneck)
    kind = weights_family(k for k in weights if ".norm." in k) or "none"
    return depth, kind


def check_groups(weights, num_groups):
    """ConvertError unless ``num_groups`` divides the channels of every GN layer."""
    if num_groups < 1:
        raise ConvertError(f"--num-groups {num_groups} must be >= 1")
    bad = sorted(
        (k[: -len(".weight")], len(v))
        for k, v in weights.items()
        if k.endswith(".norm.weight") and len(v) % num_groups
    )
    if bad:
        raise ConvertError(
            f"--num-groups {num_groups} does not divide the channels of {len(bad)} GN layers "
            f"(e.g. {bad[0][0]} has {bad[0][1]}); give the group count the source was trained with"
        )


def frozen_bn_statistics(weights):
    """Add identity statistics to affine-only BN norms (Detectron's folded ``_bn_s``/``_bn_b``)."""
    for key in [k for k in weights if k.endswith(".norm.weight")]:
        prefix = key[: -len("weight")]
        if prefix + "running_mean" not in weights:
            weights[prefix + "running_mean"] = np.zeros_like(weights[key])
            weights[prefix + "running_var"] = np.ones_like(weights[key])
    return weights


def convert_resnet(weights, fmt, depth=None, num_groups=32, input_format=None):
    """(detectron2 backbone weights, metadata) of a ``fmt`` ResNet ``weights``.

    ``input_format`` ("BGR"/"RGB") other than the source's own flips the first conv's input
    channels, so the weights suit a config with that INPUT.FORMAT.
    """
    renamed = rename(weights, fmt)
    found_depth, kind = structure(renamed)
    check_depth(found_depth, depth)
    source_format = FORMATS[fmt][1]
    input_format = input_format or source_format
    if input_format not in ("BGR", "RGB"):
        raise ConvertError(f"input format {input_format!r} must be BGR or RGB")
    if input_format != source_format:
        renamed["stem.conv1.weight"] = np.ascontiguousarray(renamed["stem.conv1.weight"][:, ::-1])
    detectron_bn = fmt == "detectron" and any("_bn_s" in k for k in weights)
    if detectron_bn:
        kind = "FrozenBN"
        frozen_bn_statistics(renamed)
    spec = NormSpec(kind)
    if kind == "GN":
        check_groups(renamed, num_groups)
        spec = NormSpec(kind, num_groups=num_groups)
    meta = {
        "depth": found_depth,
        "input_format": input_format,
        "stride_in_1x1": not is_group_norm(kind) and fmt == "detectron",
    }
    return renamed, norm_metadata(spec), meta
