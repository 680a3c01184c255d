"""Fold FrozenBN (and BN with running statistics) into the preceding conv at inference.

An inference-time BN is an affine map per channel, so ``norm(conv(x))`` equals one conv
with a scaled weight and a shifted bias: one pass over the activations saved per layer.
That is the speed FrozenBN users get, so it is the fair baseline for GN, which cannot be
folded (its statistics depend on each sample). The conv keeps its parameters, norm and
checkpoint keys; only its class changes. The folded weight is made on ``eval()``, kept by
further ``eval()`` calls, dropped on ``train()``, and rebuilt whenever a parameter or statistic
has changed: in place (a checkpoint loaded after ``eval()``, calibration), which the tensors'
version counters show at the cost of a few integer reads per call, or replaced (a move to
another device or dtype, an attribute assigned), which drops the folded copy.
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


def _fold_inputs(conv):
    """The tensors the fold reads (weight, bias, the norm's scale, shift and statistics)."""
    norm = conv.norm
    tensors = (conv.weight, conv.bias, norm.weight, norm.bias, norm.running_mean, norm.running_var)
    return tuple(t for t in tensors if t is not None)


class _Fold:
    """A folded weight and bias with the version of every tensor they were made from."""

    __slots__ = ("inputs", "versions", "weight", "bias")

    def __init__(self, conv):
        self.inputs = _fold_inputs(conv)  # held, so these are the tensors checked later
        self.versions = tuple(t._version for t in self.inputs)
        self.weight, self.bias = folded_weight_and_bias(conv)

    def is_current(self):
        """No input changed in place since the fold (a replaced input drops the fold)."""
        return self.versions == tuple(t._version for t in self.inputs)


class BNFoldedConv2d(Conv2d):
    """detectron2's ``Conv2d`` that, at inference without autograd and with a foldable norm,
    convolves once with the norm folded in; otherwise it is exactly ``Conv2d``."""

    def _drop_fold(self):
        self.__dict__.pop("_fold_cache", None)

    def _current_fold(self):
        """The folded weight and bias for the current values, made now if needed."""
        fold = self.__dict__.get("_fold_cache")
        if fold is None or not fold.is_current():
            with torch.no_grad():
                fold = _Fold(self)
            self.__dict__["_fold_cache"] = fold
        return fold

    def train(self, mode=True):
        """Fold when entering eval mode (so the first inference is not slower), keep the fold
        while it is current, drop it when training (it would only take memory)."""
        super().train(mode)
        if mode or not (_FOLDING["enabled"] and is_foldable(self.norm)):
            self._drop_fold()
        else:
            self._current_fold()
        return self

    def _apply(self, fn, *args, **kwargs):
        # .to(), .cuda(), .half(), memory formats: inputs are replaced, not changed in place.
        self._drop_fold()
        return super()._apply(fn, *args, **kwargs)

    def _load_from_state_dict(self, *args, **kwargs):
        self._drop_fold()  # loading with assign=True replaces the parameters
        return super()._load_from_state_dict(*args, **kwargs)

    def __setattr__(self, name, value):
        if isinstance(value, (torch.Tensor, torch.nn.Module)):  # a replaced input or norm
            self._drop_fold()
        super().__setattr__(name, value)

    def forward(self, x):
        if self.training or torch.is_grad_enabled() or not _FOLDING["enabled"]:
            return super().forward(x)
        if not is_foldable(self.norm):
            return super().forward(x)
        if torch.compiler.is_compiling():
            weight, bias = folded_weight_and_bias(self)  # traced into the compiled graph
        else:
            fold = self._current_fold()
            weight, bias = fold.weight, fold.bias
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
