"""What detectron2's DistributedDataParallel setup needs to run on CPU processes.

``DefaultTrainer`` wraps the model with ``create_ddp_model``, which passes
``device_ids=[local_rank]``; DDP rejects device ids for a CPU model. And PyTorch's
``nn.SyncBatchNorm`` (detectron2's "SyncBN") syncs CUDA tensors only; detectron2's
``NaiveSyncBatchNorm`` all-reduces the same statistics with any backend, gloo included.
"""

import logging

import detectron2.engine.defaults as d2_defaults
import detectron2.utils.comm as comm
from detectron2.layers import NaiveSyncBatchNorm
from torch import nn

logger = logging.getLogger(__name__)
_STOCK_CREATE_DDP_MODEL = d2_defaults.create_ddp_model


def cpu_sync_batchnorm(model):
    """Replace every ``nn.SyncBatchNorm`` in ``model`` by a NaiveSyncBatchNorm holding the same
    parameters and buffers (so optimizers and checkpoints are unaffected); return the count."""
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


def create_cpu_ddp_model(model, **kwargs):
    """detectron2's ``create_ddp_model`` for a model on the CPU: no device ids, CPU SyncBN."""
    if comm.get_world_size() > 1 and next(model.parameters()).device.type == "cpu":
        kwargs.setdefault("device_ids", None)
        replaced = cpu_sync_batchnorm(model)
        if replaced:
            logger.info(f"{replaced} SyncBN layers all-reduce with NaiveSyncBatchNorm over gloo")
    return _STOCK_CREATE_DDP_MODEL(model, **kwargs)


def use_cpu_ddp():
    """Make ``DefaultTrainer`` (which calls detectron2.engine.defaults.create_ddp_model) use
    ``create_cpu_ddp_model``; called in gn_det's CPU worker processes only."""
    d2_defaults.create_ddp_model = create_cpu_ddp_model
