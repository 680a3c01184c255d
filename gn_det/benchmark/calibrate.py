"""Give a randomly initialised model's FrozenBN layers statistics from a few forward passes.

Random-init FrozenBN has mean 0 and variance 1, so activations grow layer after layer and
the timing would be of an insane network (overflowing scores, every box kept or none).
Each FrozenBN (in network order, within one pass) gets the mean and variance of its input,
averaged over the batches: its outputs are then normalized, as after ImageNet training.
"""

import torch
from detectron2.layers import FrozenBatchNorm2d

from ..modeling.speed.fold_bn import folding_disabled


def _calibration_hook(counts):
    def hook(module, args):
        x = args[0].detach().float()
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        n = counts.get(module, 0)
        if n == 0:
            module.running_mean.copy_(mean)
            module.running_var.copy_(var)
        else:  # running average over the calibration batches
            module.running_mean.mul_(n / (n + 1)).add_(mean / (n + 1))
            module.running_var.mul_(n / (n + 1)).add_(var / (n + 1))
        counts[module] = n + 1

    return hook


@torch.no_grad()
def calibrate_frozen_bn(model, batches):
    """Set every FrozenBN's running mean and variance from the inputs it sees while ``model``
    runs ``batches`` (lists of detectron2 input dicts) in eval mode; return the layer count."""
    layers = [m for m in model.modules() if isinstance(m, FrozenBatchNorm2d)]
    if not layers:
        return 0
    counts = {}
    handles = [m.register_forward_pre_hook(_calibration_hook(counts)) for m in layers]
    was_training = model.training
    try:
        model.eval()
        with folding_disabled():  # folded convs would skip the FrozenBN layers
            for batch in batches:
                model(batch)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return len(layers)
