"""Fold FrozenBN (and BN with running statistics) into the preceding conv at inference.

An inference-time BN is an affine map per channel, so ``norm(conv(x))`` equals one conv
with a scaled weight and a shifted bias: one pass over the activations saved per layer.
That is the speed FrozenBN users get, so it is the fair baseline for GN, which cannot be
folded (its statistics depend on each sample). The conv keeps its parameters, norm and
checkpoint keys; only its class changes. The folded weight is made on ``eval()``, dropped on
``train()``, and rebuilt whenever a parameter or statistic has changed (a checkpoint loaded
after ``eval()``, a move to another device).
"""

import contextlib

import torch
from detectron2.layers import Conv2d, FrozenBatchNorm2d
from torch.nn.modules.batchnorm import _BatchNorm

_FOLDING = {"enabled": True}


@contextlib.contextmanager
def folding_disabled():
    """Run ``BNFoldedConv2d`` unfolded (conv, then norm) inside the block, e.g. to observe or
    calibrate the norm layers' inputs."""
    previous = _FOLDING["enabled"]
    _FOLDING["enabled"] = False
    try:
        yield
    finally:
        _FOLDING["enabled"] = previous


def is_foldable(norm):
    """Whether ``norm`` is an affine map per channel now: FrozenBN, or BN in eval mode."""
    if isinstance(norm, FrozenBatchNorm2d):
        return True
    return isinstance(norm, _BatchNorm) and not norm.training and norm.running_var is not None


def folded_weight_and_bias(conv):
    """The weight and bias of one conv equal to ``conv`` followed by its (foldable) norm."""
    norm, weight = conv.norm, conv.weight
    scale = (norm.running_var + norm.eps).rsqrt()
    if norm.weight is not None:
        scale = scale * norm.weight
    shift = -norm.running_mean * scale
    if norm.bias is not None:
        shift = shift + norm.bias
    if conv.bias is not None:
        shift = shift + conv.bias * scale
    channels_last = weight.is_contiguous(memory_format=torch.channels_last)
    fmt = torch.channels_last if channels_last and weight.dim() == 4 else torch.contiguous_format
    folded = (weight * scale.reshape(-1, *[1] * (weight.dim() - 1))).contiguous(memory_format=fmt)
    return folded.to(weight.dtype), shift.to(weight.dtype)


def _version_key(conv):
    """Identifies the values of everything the fold reads (rebuilt when any changes)."""
    tensors = [conv.weight, conv.bias, *conv.norm.parameters(), *conv.norm.buffers()]
    return tuple((t.data_ptr(), t._version, t.dtype) for t in tensors if t is not None)


class BNFoldedConv2d(Conv2d):
    """detectron2's ``Conv2d`` that, at inference without autograd and with a foldable norm,
    convolves once with the norm folded in; otherwise it is exactly ``Conv2d``."""

    def train(self, mode=True):
        """Fold when entering eval mode (so the first inference is not slower); drop the
        folded copy when training (it would only take memory)."""
        super().train(mode)
        self.__dict__.pop("_fold_cache", None)
        if not mode and _FOLDING["enabled"] and is_foldable(self.norm):
            with torch.no_grad():
                self.__dict__["_fold_cache"] = (_version_key(self), *folded_weight_and_bias(self))
        return self

    def forward(self, x):
        if self.training or torch.is_grad_enabled() or not _FOLDING["enabled"]:
            return super().forward(x)
        if not is_foldable(self.norm):
            return super().forward(x)
        if torch.compiler.is_compiling():
            weight, bias = folded_weight_and_bias(self)  # traced into the compiled graph
        else:
            key = _version_key(self)
            cache = self.__dict__.get("_fold_cache")
            if cache is None or cache[0] != key:
                cache = (key, *folded_weight_and_bias(self))
                self.__dict__["_fold_cache"] = cache
            weight, bias = cache[1], cache[2]
        x = self._conv_forward(x, weight, bias)
        return self.activation(x) if self.activation is not None else x


def fold_bn_at_inference(module):
    """Turn, in place, every plain ``Conv2d`` in ``module`` whose norm is FrozenBN or BN into a
    ``BNFoldedConv2d`` (same object, parameters and keys); return how many."""
    count = 0
    for conv in module.modules():
        if type(conv) is Conv2d and isinstance(conv.norm, (FrozenBatchNorm2d, _BatchNorm)):
            conv.__class__ = BNFoldedConv2d
            count += 1
    return count
