"""Refuse weights whose norm layers do not fit the model's (before they load silently).

Loading BN statistics into GN drops them without a word; loading GN's affine parameters
into FrozenBN fills in zero mean and unit variance; a GN trained with 32 groups computes
another function with 16. Each case gets an error that says what to set.
"""

import re

from ..modeling.norm import layer_family, metadata_family, metadata_groups, weights_family
from .load_report import WeightsMismatchError, part_of


class NormMismatchError(WeightsMismatchError):
    """MODEL.WEIGHTS holds norm layers of another kind (or group count) than the model."""


def model_norm_kinds(model):
    """{part: (kind, group counts)} of the model's norm layers: kind "GN" (any group count),
    "BN" (BN, SyncBN, FrozenBN)."""
    found = {}
    for name, module in model.named_modules():
        kind = layer_family(module)
        if kind is None:
            continue
        groups = {module.num_groups} if kind == "GN" else set()
        part = part_of(name + ".weight")
        old = found.get(part, (kind, set()))
        found[part] = (old[0] if old[0] == kind else "mixed", old[1] | groups)
    return found


def checkpoint_norm_kinds(checkpoint):
    """{part: "BN" | "GN"} of the norms in a loaded checkpoint: BN when it has statistics
    (or Detectron ``_bn_`` blobs), GN when it has affine parameters only."""
    weights = checkpoint.get("model", {})
    caffe2 = checkpoint.get("__author__") == "Caffe2"
    found = {}
    for key in weights:
        if caffe2:
            m = re.search(r"_(gn|bn)_(s|b|rm|riv)$", key)
            kind = m and m.group(1).upper()
        elif ".norm." in key or re.search(r"\.(bn\d?|norm\d?)\.", key):
            kind = weights_family([key])
        else:
            continue
        if kind:
            part = "backbone" if caffe2 and re.match(r"^(res|conv1_)", key) else part_of(key)
            if found.get(part) != "BN":
                found[part] = kind
    return found


def check_norm_match(model, checkpoint, path):
    """NormMismatchError if ``checkpoint``'s norms cannot be what ``model``'s norms expect."""
    recorded = checkpoint.get("norm") or {}
    in_ckpt = checkpoint_norm_kinds(checkpoint)
    if metadata_family(recorded) == "GN" and "backbone" in in_ckpt:
        in_ckpt["backbone"] = "GN"
    for part, (kind, groups) in model_norm_kinds(model).items():
        theirs = in_ckpt.get(part)
        if theirs is None or kind == "mixed":
            continue
        where = f"MODEL.WEIGHTS {path}: its {part}"
        if theirs == "BN" and kind == "GN":
            raise NormMismatchError(
                f"{where} has BatchNorm statistics (running_mean/running_var), but the model's "
                f"{part} uses GroupNorm, which would drop them. Fine-tune BN-pretrained weights "
                "with MODEL.NORM.TYPE FrozenBN (or BN), or load GN-pretrained weights."
            )
        if theirs == "GN" and kind == "BN":
            wanted = recorded.get("num_groups")
            setting = f" and MODEL.NORM.NUM_GROUPS {wanted}" if wanted else ""
            raise NormMismatchError(
                f"{where} has GroupNorm parameters (scale and shift, no statistics), but the "
                f"model's {part} uses BatchNorm, which would get zero mean and unit variance. "
                f"Set MODEL.NORM.TYPE GN{setting}."
            )
        wanted, fix = metadata_groups(recorded)
        if part == "backbone" and kind == "GN" and wanted and groups != {wanted}:
            raise NormMismatchError(
                f"{where} was trained with GroupNorm of {wanted} group(s), but the model's "
                f"backbone uses {sorted(groups)} groups. Set {fix}."
            )
