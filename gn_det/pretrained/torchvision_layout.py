"""torchvision (and timm) ResNet names to detectron2 names.

``layer1.0.bn1.weight`` -> ``res2.0.conv1.norm.weight``, ``layer2.0.downsample.1.*`` ->
``res3.0.shortcut.norm.*``, ``conv1``/``bn1`` -> ``stem.conv1``/``stem.conv1.norm``; the
classifier ``fc.*`` is dropped. timm's ``resnet*_gn`` use the same names. The stride sits
in the 3x3 conv (STRIDE_IN_1X1 False) and inputs are RGB.
"""

import re

from .resnet_layout import ConvertError

_STEM = re.compile(r"^(conv1|bn1)\.(weight|bias|running_mean|running_var)$")
_BLOCK = re.compile(
    r"^layer(\d)\.(\d+)\.(conv\d|bn\d|downsample\.[01])\.(weight|bias|running_mean|running_var)$"
)
# Keys a backbone does not need: the classifier and BN's step counter.
_DROPPED = re.compile(r"^(fc|head\.fc|classifier)\.|num_batches_tracked$")


def torchvision_name(key):
    """The detectron2 name of a torchvision/timm ResNet key, or None for dropped keys."""
    if _DROPPED.search(key):
        return None
    stem = _STEM.match(key)
    if stem:
        module, param = stem.groups()
        return f"stem.conv1.{param}" if module == "conv1" else f"stem.conv1.norm.{param}"
    block = _BLOCK.match(key)
    if not block:
        raise ConvertError(
            f"{key!r} is not part of a torchvision-layout ResNet (conv1, bn1, layer1-4, fc); "
            "deep stems, avg-pool shortcuts ('d' variants) and attention blocks have no "
            "detectron2 ResNet equivalent"
        )
    layer, index, module, param = block.groups()
    prefix = f"res{int(layer) + 1}.{index}"
    if module == "downsample.0":
        return f"{prefix}.shortcut.{param}"
    if module == "downsample.1":
        return f"{prefix}.shortcut.norm.{param}"
    if module.startswith("bn"):
        return f"{prefix}.conv{module[2:]}.norm.{param}"
    return f"{prefix}.{module}.{param}"
