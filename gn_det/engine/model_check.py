"""Check that the config's model can be built, and can learn, before any data or GPU is used.

The model is built on PyTorch's ``meta`` device (shapes only, no memory, well under a second
for R-50), so every build-time error (a GN group count that does not divide a layer, an
unknown backbone) shows up first; the built modules then tell which norms the run really uses.
"""

import torch
from detectron2.layers import FrozenBatchNorm2d, NaiveSyncBatchNorm
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.modeling.backbone import ResNet
from torch import nn

from ..modeling.convert_norm import frozen_stages
from ..utils.errors import GNDetError
from .keys import YAML_KEYS
from .setup import ConfigError

SYNC_NORMS = (nn.SyncBatchNorm, NaiveSyncBatchNorm)


def build_meta_model(cfg):
    """The config's model with meta tensors; build errors become one-line ConfigErrors."""
    return meta_model(lambda: META_ARCH_REGISTRY.get(cfg.MODEL.META_ARCHITECTURE)(cfg))


def meta_model(build, errors=()):
    """``build()`` with meta tensors; its errors (and ``errors``) become one-line ConfigErrors."""
    try:
        with torch.device("meta"):
            return build()
    except GNDetError:
        raise
    except (KeyError, AssertionError, ValueError, TypeError, IndexError, *errors) as e:
        detail = str(e).strip("'\"").strip().splitlines()
        detail = detail[0] if detail else type(e).__name__
        raise ConfigError(f"the model cannot be built from this config: {detail}") from None


def _layers(model, kinds):
    return [name for name, m in model.named_modules() if isinstance(m, kinds)]


def _examples(names):
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return ", ".join(names[:2]) + more


def check_model(cfg, *, num_processes, training, from_scratch):
    """Raise ConfigError for norms that cannot work in this run; return warnings (strings)
    for a model that will not learn as configured."""
    return check_built_model(
        build_meta_model(cfg), YAML_KEYS, num_processes=num_processes, training=training,
        from_scratch=from_scratch,
    )  # fmt: skip


def check_built_model(model, keys, *, num_processes, training, from_scratch):
    """``check_model`` of a built (meta) model; messages name the settings in ``keys``."""
    warnings = []
    sync = _layers(model, SYNC_NORMS)
    if sync and training and num_processes == 1:
        raise ConfigError(
            f"SyncBN layers ({_examples(sync)}) all-reduce batch statistics across processes, "
            "but this run has one process and no process group: use BN "
            f"({keys.setting(keys.norm_type, 'BN')}) for one process, or run with --num-gpus 2 "
            "or more"
        )
    if not (training and from_scratch):
        return warnings
    no_weights = keys.setting(keys.weights, "''")
    frozen_bn = _layers(model, FrozenBatchNorm2d)
    if frozen_bn:
        warnings.append(
            f"FrozenBN layers ({_examples(frozen_bn)}) with {no_weights} will not learn: "
            "FrozenBN is a fixed affine map meant to hold pretrained BN statistics; from "
            "scratch it stays the identity and never normalizes. Train from scratch with GN "
            f"({keys.setting(keys.norm_type, 'GN')}) or BN/SyncBN, or set {keys.weights} to "
            "pretrained weights"
        )
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    if frozen:
        stages = [frozen_stages(m) for m in model.modules() if isinstance(m, ResNet)]
        freeze = f"{keys.freeze_at}={max(stages)}" if stages else "The config"
        warnings.append(
            f"{freeze} freezes {len(frozen)} parameters ({_examples(frozen)}) and "
            f"{keys.weights} is '': they keep their random initialization. Set "
            f"{keys.setting(keys.freeze_at, 0)} to train from scratch"
        )
    return warnings
