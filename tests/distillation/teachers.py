"""BN teachers for the distillation tests: the tiny config's ResNet-18 with BatchNorm whose
statistics are those of the images it is shown, saved as tools/pretrain_backbone.py does."""

import torch

from gn_det.checkpoint.weights_pkl import detectron2_weights, save_weights_pkl
from gn_det.distillation import build_resnet
from gn_det.modeling.norm import NormSpec, norm_metadata

from ..conftest import tiny_cfg


def pattern_images(n, size=32, seed=0):
    """uint8 N x 3 x size x size images of smooth random patterns (not white noise)."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 4, 4, generator=g) * 255
    images = torch.nn.functional.interpolate(low, size=(size, size), mode="bilinear")
    return (images + 20 * torch.rand(n, 3, size, size, generator=g)).clamp(0, 255).byte()


def bn_resnet(cfg, kind="BN", seed=0):
    """The config's ResNet with ``kind`` norms, random affine, BN statistics of the images.

    As in trained ResNets, each block's residual branch is small next to its shortcut (the
    scale of its last norm is below 0.3)."""
    torch.manual_seed(seed)
    resnet = build_resnet(cfg, NormSpec(kind=kind))
    for name, p in resnet.named_parameters():
        if name.endswith("norm.weight"):
            last = name.endswith(("conv2.norm.weight", "conv3.norm.weight"))
            torch.nn.init.uniform_(p, *((0.0, 0.3) if last else (0.5, 1.5)))
        elif name.endswith("norm.bias"):
            torch.nn.init.uniform_(p, -0.2, 0.2)
    if kind == "BN":
        for m in resnet.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None  # cumulative average: the statistics of all batches shown
        mean = torch.tensor(cfg.MODEL.PIXEL_MEAN).view(-1, 1, 1)
        std = torch.tensor(cfg.MODEL.PIXEL_STD).view(-1, 1, 1)
        with torch.no_grad():
            for i in range(4):
                resnet((pattern_images(16, seed=100 + i).float() - mean) / std)
    return resnet.eval()


def write_teacher(path, *opts, kind="BN"):
    """A teacher file at ``path`` for ``tiny_cfg(*opts)``, in tools/pretrain_backbone.py's
    format; returns ``path``."""
    cfg = tiny_cfg(*opts)
    resnet = bn_resnet(cfg, kind)
    spec = NormSpec(kind=kind)
    data = detectron2_weights(resnet.state_dict(), "test", norm=norm_metadata(spec))
    return save_weights_pkl(data, str(path))
