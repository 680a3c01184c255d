"""``ResNetClassifier``: the ResNet of a detection config with a linear classifier on top.

Pretraining this network and exporting its ``backbone`` gives weights whose keys, depth,
widths, stride placement and norm are exactly those of the detection model's backbone.
"""

import torch
import torch.nn.functional as F
from detectron2.layers import CNNBlockBase, ShapeSpec
from detectron2.modeling.backbone import build_resnet_backbone
from torch import nn

from ..modeling.convert_norm import set_resnet_norm
from ..modeling.norm import FROM_SCRATCH_KINDS, NormConfigError, NormSpec


def classifier_norm(cfg):
    """The norm the classifier trains with: MODEL.NORM.TYPE, else MODEL.RESNETS.NORM."""
    spec = NormSpec.from_config(cfg)
    kind = spec.kind if spec else cfg.MODEL.RESNETS.NORM
    if kind not in FROM_SCRATCH_KINDS:
        raise NormConfigError(
            f"pretraining needs a trainable norm, got {kind!r}; set MODEL.NORM.TYPE to one of "
            f"{', '.join(FROM_SCRATCH_KINDS)} (pretrain with BN, then fine-tune with FrozenBN)"
        )
    if spec is None:
        spec = NormSpec(kind=kind)
    return spec


def backbone_config(cfg):
    """``cfg`` with the ResNet built whole (no frozen stage), up to res5, normless."""
    cfg = cfg.clone()
    cfg.defrost()
    cfg.MODEL.BACKBONE.FREEZE_AT = 0
    cfg.MODEL.RESNETS.OUT_FEATURES = ["res5"]
    cfg.MODEL.RESNETS.NORM = ""
    return cfg


def zero_init_last_norms(resnet):
    """Start every residual block as the identity: the scale of its last norm is 0.

    As in the GN paper's ImageNet training (and Goyal et al. 2017); without it, random
    blocks add up and the first steps see huge logits.
    """
    for block in resnet.modules():
        if isinstance(block, CNNBlockBase) and block.stride is not None:
            last = block.conv3 if hasattr(block, "conv3") else getattr(block, "conv2", None)
            if last is not None and getattr(last, "norm", None) is not None:
                nn.init.zeros_(last.norm.weight)


class ResNetClassifier(nn.Module):
    """detectron2's ResNet (built by ``build_resnet_backbone``), global pooling and a linear
    layer. Takes uint8 BGR batches normalized by the config's PIXEL_MEAN/PIXEL_STD."""

    def __init__(self, cfg, num_classes):
        super().__init__()
        self.norm = classifier_norm(cfg)
        channels = len(cfg.MODEL.PIXEL_MEAN)
        resnet = build_resnet_backbone(backbone_config(cfg), ShapeSpec(channels=channels))
        self.backbone = set_resnet_norm(resnet, self.norm)
        zero_init_last_norms(self.backbone)
        width = self.backbone.output_shape()["res5"].channels
        self.fc = nn.Linear(width, num_classes)
        nn.init.normal_(self.fc.weight, std=0.01)
        nn.init.zeros_(self.fc.bias)
        mean = torch.tensor(cfg.MODEL.PIXEL_MEAN).view(-1, 1, 1)
        std = torch.tensor(cfg.MODEL.PIXEL_STD).view(-1, 1, 1)
        self.register_buffer("pixel_mean", mean, persistent=False)
        self.register_buffer("pixel_std", std, persistent=False)

    @property
    def device(self):
        return self.pixel_mean.device

    def forward(self, batch):
        """Losses ``{"loss_cls"}`` in training, logits (N x classes) in eval mode."""
        images = (batch["images"].to(self.device).float() - self.pixel_mean) / self.pixel_std
        logits = self.fc(self.backbone(images)["res5"].mean(dim=(2, 3)))
        if not self.training:
            return logits
        return {"loss_cls": F.cross_entropy(logits, batch["labels"].to(self.device))}
