"""``build_optimizer``: detectron2's optimizer, with SOLVER.NORM_LR_FACTOR on the norm layers.

detectron2 gives norm layers their own weight decay (SOLVER.WEIGHT_DECAY_NORM) but not their
own learning rate; the carry-over study asks whether pretrained GN scales and shifts move too
fast while fine-tuning. The stock optimizer is built first and its groups are split after.
"""

from detectron2.solver import build_optimizer as build_detectron2_optimizer

from ..modeling.norm import layer_family


def norm_parameters(model):
    """The parameters of ``model``'s norm layers (GN, LN, IN, BN, SyncBN), as a set."""
    return {p for m in model.modules() if layer_family(m) for p in m.parameters(recurse=False)}


def scale_norm_lr(optimizer, norm_params, factor):
    """Split each of ``optimizer``'s param groups into its other parameters and its
    ``norm_params``, the latter at ``factor`` times the group's learning rate. Call it before
    the LR scheduler is built: schedulers read each group's learning rate once, as its base."""
    groups = []
    for group in optimizer.param_groups:
        norm = [p for p in group["params"] if p in norm_params]
        rest = [p for p in group["params"] if p not in norm_params]
        if rest:
            groups.append({**group, "params": rest})
        if norm:
            groups.append({**group, "params": norm, "lr": group["lr"] * factor})
    optimizer.param_groups[:] = groups


def build_optimizer(cfg, model):
    """detectron2's ``build_optimizer`` (SGD, WEIGHT_DECAY_NORM, gradient clipping); with
    SOLVER.NORM_LR_FACTOR other than 1, the norm layers learn at that multiple of the LR."""
    optimizer = build_detectron2_optimizer(cfg, model)
    factor = cfg.SOLVER.NORM_LR_FACTOR
    if factor != 1.0:
        scale_norm_lr(optimizer, norm_parameters(model), factor)
    return optimizer
