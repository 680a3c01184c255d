"""Source ResNets with random GN/BN parameters and the detectron2 ResNet that should match."""

import torch
import torchvision
from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import build_resnet_backbone
from torch import nn

from gn_det.engine.setup import load_config


def randomize_norms(model, seed=0):
    """Give every norm layer random affine parameters (and BN random statistics)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.GroupNorm, nn.BatchNorm2d)):
            m.weight.data = torch.rand(m.weight.shape, generator=g) + 0.5
            m.bias.data = torch.randn(m.bias.shape, generator=g) * 0.2
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean = torch.randn(m.running_mean.shape, generator=g) * 0.1
            m.running_var = torch.rand(m.running_var.shape, generator=g) + 0.5
    return model.eval()


def torchvision_resnet(depth, norm="GN", groups=32):
    """torchvision's ResNet-``depth`` with GroupNorm (or BN) layers, in eval mode."""
    layer = (lambda c: nn.GroupNorm(groups, c)) if norm == "GN" else nn.BatchNorm2d
    return randomize_norms(getattr(torchvision.models, f"resnet{depth}")(norm_layer=layer))


def features(net, x):
    """``layer4`` of a torchvision or timm ResNet (timm names its ReLU ``act1``)."""
    relu = net.act1 if hasattr(net, "act1") else net.relu
    x = net.maxpool(relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


def detectron2_resnet(depth, norm="GN", stride_in_1x1=False, groups=32):
    """detectron2's ResNet-``depth`` up to res5, built by its stock builder, in eval mode."""
    cfg = load_config("", [
        "MODEL.RESNETS.DEPTH", depth, "MODEL.RESNETS.NORM", norm,
        "MODEL.RESNETS.STRIDE_IN_1X1", stride_in_1x1, "MODEL.RESNETS.OUT_FEATURES", ["res5"],
        "MODEL.BACKBONE.FREEZE_AT", 0, "MODEL.RESNETS.RES2_OUT_CHANNELS", 64 if depth < 50 else 256,
    ])  # fmt: skip
    if norm == "GN" and groups != 32:
        cfg.MODEL.RESNETS.NORM = lambda c: nn.GroupNorm(groups, c)  # noqa: E731
    return build_resnet_backbone(cfg, ShapeSpec(channels=3)).eval()


def load_converted(backbone, weights):
    """Load converted NumPy ``weights`` into ``backbone`` strictly (every key, every shape)."""
    backbone.load_state_dict({k: torch.as_tensor(v.copy()) for k, v in weights.items()})
    return backbone
