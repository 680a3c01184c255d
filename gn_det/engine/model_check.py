"""Check that the config's model can be built, and can learn, before any data or GPU is used.

The model is built on PyTorch's ``meta`` device (shapes only, no memory, well under a second
for R-50), so every build-time error (a GN group count that does not divide a layer, an
unknown backbone) shows up first; the built modules then tell which norms the run really uses.
"""

import torch
from detectron2.layers import FrozenBatchNorm2d, NaiveSyncBatchNorm
from detectron2.modeling import META_ARCH_REGISTRY
from torch import nn

from ..modeling import NormConfigError
from .setup import ConfigError

SYNC_NORMS = (nn.SyncBatchNorm, NaiveSyncBatchNorm)


def build_meta_model(cfg):
    """The config's model with meta tensors; build errors become one-line ConfigErrors."""
    try:
        with torch.device("meta"):
            return META_ARCH_REGISTRY.get(cfg.MODEL.META_ARCHITECTURE)(cfg)
    except NormConfigError:
        raise
    except (KeyError, AssertionError, ValueError, TypeError, IndexError) as e:
        detail = str(e).strip("'\"") or type(e).__name__
        raise ConfigError(f"the model cannot be built from this config: {detail}") from None


def _layers(model, kinds):
    return [name for name, m in model.named_modules() if isinstance(m, kinds)]


def _examples(names):
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return ", ".join(names[:2]) + more


def check_model(cfg, *, num_processes, training, from_scratch):
    """Raise ConfigError for norms that cannot work in this run; return warnings (strings)
    for a model that will not learn as configured."""
    model = build_meta_model(cfg)
    warnings = []
    sync = _layers(model, SYNC_NORMS)
    if sync and training and num_processes == 1:
        raise ConfigError(
            f"SyncBN layers ({_examples(sync)}) all-reduce batch statistics across processes, "
            "but this run has one process and no process group: use BN (MODEL.NORM.TYPE BN) "
            "for one process, or run with --num-gpus 2 or more"
        )
    if not (training and from_scratch):
        return warnings
    frozen_bn = _layers(model, FrozenBatchNorm2d)
    if frozen_bn:
        warnings.append(
            f"FrozenBN layers ({_examples(frozen_bn)}) with MODEL.WEIGHTS '' will not learn: "
            "FrozenBN is a fixed affine map meant to hold pretrained BN statistics; from "
            "scratch it stays the identity and never normalizes. Train from scratch with GN "
            "(MODEL.NORM.TYPE GN) or BN/SyncBN, or set MODEL.WEIGHTS to pretrained weights"
        )
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    if frozen:
        warnings.append(
            f"MODEL.BACKBONE.FREEZE_AT={cfg.MODEL.BACKBONE.FREEZE_AT} freezes {len(frozen)} "
            f"parameters ({_examples(frozen)}) and MODEL.WEIGHTS is '': they keep their random "
            "initialization. Set MODEL.BACKBONE.FREEZE_AT 0 to train from scratch"
        )
    return warnings
