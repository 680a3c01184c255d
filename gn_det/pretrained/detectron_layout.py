"""Detectron (Caffe2) ResNet blob names to detectron2 names.

``res2_0_branch2a_w`` -> ``res2.0.conv1.weight``, ``res2_0_branch2a_gn_s``/``_gn_b`` ->
``res2.0.conv1.norm.weight``/``.bias``, ``res2_0_branch1_*`` -> ``res2.0.shortcut.*``,
``conv1_*``/``res_conv1_*`` -> ``stem.conv1.*``; ``pred_*`` (the classifier) and
``*_momentum`` blobs are dropped. Inputs are BGR in 0-255 with std 1; Detectron's GN
models put the stride in the 3x3 conv (STRIDE_IN_1X1 False).
"""

import re

from .resnet_layout import ConvertError

_SUFFIXES = {
    "w": "weight",
    "b": "bias",
    "gn_s": "norm.weight",
    "gn_b": "norm.bias",
    "bn_s": "norm.weight",
    "bn_b": "norm.bias",
    "bn_rm": "norm.running_mean",
    "bn_riv": "norm.running_var",
}
_SUFFIX = "(" + "|".join(sorted(_SUFFIXES, key=len, reverse=True)) + ")"
_STEM = re.compile(rf"^(?:res_)?conv1_{_SUFFIX}$")
_BLOCK = re.compile(rf"^res(\d)_(\d+)_branch(1|2[a-c])_{_SUFFIX}$")
_DROPPED = re.compile(r"(^pred_|^fc\d*_|_momentum$|^lr$|^weight_order$)")


def detectron_name(key):
    """The detectron2 name of a Detectron ResNet blob, or None for dropped blobs."""
    if _DROPPED.search(key):
        return None
    stem = _STEM.match(key)
    if stem:
        return f"stem.conv1.{_SUFFIXES[stem.group(1)]}"
    block = _BLOCK.match(key)
    if not block:
        raise ConvertError(
            f"{key!r} is not a Detectron ResNet blob (conv1_*, res<stage>_<block>_branch*_*, "
            "pred_*); is --format right?"
        )
    stage, index, branch, suffix = block.groups()
    conv = "shortcut" if branch == "1" else f"conv{'abc'.index(branch[1]) + 1}"
    return f"res{stage}.{index}.{conv}.{_SUFFIXES[suffix]}"
