"""Swap the norm of every conv in a built detectron2 module, keeping checkpoint keys stock.

detectron2's ``Conv2d`` (and deformable convs) hold their norm in ``.norm``; the
state-dict keys are then ``<conv>.norm.weight`` etc., exactly as when the stock
builders are given that norm. A conv has a bias exactly when it has no norm.
"""

import torch
from detectron2.layers import Conv2d, DeformConv, ModulatedDeformConv, NaiveSyncBatchNorm
from detectron2.modeling.backbone import FPN, ResNet
from torch import nn

from .norm import NormConfigError, is_group_norm
from .weight_standardization import convert_conv_to_ws

_CONVS_WITH_NORM = (Conv2d, DeformConv, ModulatedDeformConv)


def convs_with_norm(module, prefix=""):
    """(name, conv) for every detectron2 conv in ``module`` that can hold a norm."""
    for name, child in module.named_modules(prefix=prefix):
        if isinstance(child, _CONVS_WITH_NORM):
            yield name, child


def check_group_counts(convs, spec):
    """Reject GN group counts that do not divide a layer, naming every such layer."""
    if not is_group_norm(spec.kind):
        return
    bad = [(n, c.out_channels) for n, c in convs if spec.group_count(c.out_channels) is None]
    if bad:
        shown = "; ".join(f"{name} has {ch} channels" for name, ch in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise NormConfigError(
            f"{spec.group_setting()} does not divide the channels of {len(bad)} layer(s): "
            f"{shown}{more}. Pick a group count that divides every normalized layer, or set "
            f"{spec.key('CHANNELS_PER_GROUP')}, or leave that part out of {spec.key('PARTS')}."
        )


def set_conv_norm(conv, norm):
    """Give ``conv`` the norm layer ``norm`` (or None) and a bias exactly when it has no norm."""
    conv.norm = norm
    has_bias = getattr(conv, "bias", None) is not None
    if norm is not None and has_bias:
        conv.bias = None
    elif norm is None and not has_bias and not isinstance(conv, DeformConv):
        conv.bias = nn.Parameter(torch.zeros(conv.out_channels, device=conv.weight.device))


def convert_norms(convs, spec):
    """Give each (name, conv) in ``convs`` a new ``spec`` norm, after checking all group counts."""
    convs = list(convs)
    check_group_counts(convs, spec)
    for _, conv in convs:
        norm = spec.build(conv.out_channels)
        set_conv_norm(conv, norm.to(conv.weight.device) if norm is not None else None)
    return len(convs)


def set_resnet_norm(resnet, spec):
    """Give every norm-carrying conv of ``resnet`` a ``spec`` norm, and Weight Standardization
    if ``spec.ws``; return the network (the pretraining classifier's and the distillation
    student's ResNet: one norm everywhere, nothing frozen)."""
    convert_norms(convs_with_norm(resnet), spec)
    return convert_conv_to_ws(resnet) if spec.ws else resnet


def _head_convs(head, prefix):
    """The convs of an ROI head that carry a norm: its ``conv_norm_relus`` (predictors excluded)."""
    chosen = getattr(head, "conv_norm_relus", None)
    if chosen is None:
        return [(n, c) for n, c in convs_with_norm(head, prefix) if not n.endswith(".predictor")]
    return [(n, c) for n, c in convs_with_norm(head, prefix) if any(c is m for m in chosen)]


def norm_parts(backbone, roi_heads):
    """The norm-carrying convs of each part MODEL.NORM.PARTS can name: {part: [(name, conv)]}."""
    parts = {}
    if isinstance(backbone, FPN):
        fpn_convs = list(backbone.lateral_convs) + list(backbone.output_convs)
        parts["backbone"] = list(convs_with_norm(backbone.bottom_up, "backbone.bottom_up"))
        parts["fpn"] = [
            (f"backbone.{n}", m)
            for n, m in backbone.named_children()
            if any(m is c for c in fpn_convs)
        ]
    else:
        parts["backbone"] = list(convs_with_norm(backbone, "backbone"))
        parts["fpn"] = []
    for head in ("box_head", "mask_head"):
        module = getattr(roi_heads, head, None)
        parts[head] = _head_convs(module, f"roi_heads.{head}") if module is not None else []
    return parts


def frozen_stages(resnet):
    """The ``freeze_at`` that ``resnet`` was built with: 0, 1 (stem) or 1 + the number of
    leading stages whose parameters are all frozen (as ``ResNet.freeze`` leaves them)."""
    blocks = [resnet.stem, *resnet.stages]
    frozen = 0
    for block in blocks:
        if any(p.requires_grad for p in block.parameters()):
            break
        frozen += 1
    return frozen


def apply_norm_spec(spec, backbone, roi_heads):
    """Apply ``spec`` to the parts it names; ResNets stay frozen where they were built frozen.

    Re-freezing keeps frozen stages normalizing (GN) or turns their BN into FrozenBN,
    as ``ResNet.freeze`` does at build time, with no trainable parameter left there. With
    ``spec.ws`` those convs then become ``WSConv2d`` (same parameters and keys).
    """
    resnets = [m for m in backbone.modules() if isinstance(m, ResNet)]
    freeze_at = [frozen_stages(resnet) for resnet in resnets]
    parts = norm_parts(backbone, roi_heads)
    chosen = [c for part in spec.parts for c in parts[part]]
    convert_norms(chosen, spec)
    if spec.ws:
        convs = [conv for _, conv in chosen]
        convert_conv_to_ws(backbone, convs)
        convert_conv_to_ws(roi_heads, convs)
    if "backbone" in spec.parts:
        for resnet, stages in zip(resnets, freeze_at):
            resnet.freeze(stages)


def cpu_sync_batchnorm(model):
    """Replace every ``nn.SyncBatchNorm`` in ``model`` by a NaiveSyncBatchNorm holding the same
    parameters and buffers; return the count. PyTorch's SyncBatchNorm syncs CUDA tensors only,
    NaiveSyncBatchNorm all-reduces the same statistics with any backend (gloo on CPU)."""
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, nn.SyncBatchNorm):
                continue
            naive = NaiveSyncBatchNorm(
                child.num_features, child.eps, child.momentum, child.affine,
                child.track_running_stats,
            )  # fmt: skip
            own = [*naive.named_parameters(recurse=False), *naive.named_buffers(recurse=False)]
            for key, _ in own:
                setattr(naive, key, getattr(child, key))
            naive.train(child.training)
            setattr(parent, name, naive)
            replaced += 1
    return replaced
