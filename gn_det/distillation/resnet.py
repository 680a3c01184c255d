"""The config's ResNet as distillation uses it: whole, every stage's output, one norm kind."""

from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import build_resnet_backbone

from ..classification.model import backbone_config
from ..modeling.convert_norm import set_resnet_norm

# The feature maps that distillation matches, from the stem to the last stage.
STAGES = ("stem", "res2", "res3", "res4", "res5")


def build_resnet(cfg, spec):
    """detectron2's ResNet of ``cfg`` (``build_resnet_backbone``: depth, widths, strides),
    nothing frozen, returning every map of STAGES, with ``spec``'s norm in every conv (and
    Weight Standardization if ``spec.ws``)."""
    cfg = backbone_config(cfg)
    cfg.MODEL.RESNETS.OUT_FEATURES = list(STAGES)
    resnet = build_resnet_backbone(cfg, ShapeSpec(channels=len(cfg.MODEL.PIXEL_MEAN)))
    return set_resnet_norm(resnet, spec)
