"""Weight Standardization (Qiao et al., 2019) for convs followed by GroupNorm.

Each output channel's filter is standardized before the convolution:
``w_hat = (w - mean(w)) / (std(w) + eps)`` with the mean and the *unbiased* std taken over
(in_channels, kh, kw) and ``eps = 1e-5`` added to the std, as in mmcv's ``ConvWS2d`` and
the WS authors' code, so checkpoints trained with those (e.g. the WS authors' ImageNet
GN+WS ResNets) load and behave the same. The stored ``weight`` stays the raw one: the
state-dict keys and values are those of a plain ``Conv2d``.
"""

from detectron2.layers import Conv2d
from torch import nn

# Added to the per-filter std (not to the variance).
WS_EPS = 1e-5


def standardize_weight(weight, eps=WS_EPS):
    """``(w - mean) / (std + eps)`` per output channel (dim 0); std is unbiased."""
    flat = weight.flatten(1)
    mean = flat.mean(dim=1).view(-1, *[1] * (weight.dim() - 1))
    std = flat.std(dim=1).view(-1, *[1] * (weight.dim() - 1))
    return (weight - mean) / (std + eps)


class WSConv2d(Conv2d):
    """detectron2's ``Conv2d`` (norm and activation included) convolving with the
    standardized weight; parameters and keys are those of ``Conv2d``."""

    ws_eps = WS_EPS

    def forward(self, x):
        x = self._conv_forward(x, standardize_weight(self.weight, self.ws_eps), self.bias)
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x

    @classmethod
    def from_conv(cls, conv):
        """A WSConv2d holding ``conv``'s own weight, bias, norm and activation objects."""
        ws = cls(
            conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
            padding=conv.padding, dilation=conv.dilation, groups=conv.groups, bias=False,
            padding_mode=conv.padding_mode, norm=conv.norm, activation=conv.activation,
            device="meta",
        )  # fmt: skip
        ws.weight = conv.weight
        ws.bias = conv.bias
        ws.train(conv.training)
        return ws


def _replace_in_lists(parent, old, new):
    """Point plain-list attributes of ``parent`` (FPN's ``lateral_convs``/``output_convs``,
    the heads' ``conv_norm_relus``) at ``new`` where they held ``old``."""
    for value in vars(parent).values():
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new


def convert_conv_to_ws(module, only=None):
    """``module`` with each ``Conv2d`` whose norm is a GroupNorm (and, if ``only`` is given,
    that is one of the convs in ``only``) replaced by a ``WSConv2d`` sharing its parameters,
    norm and activation; other modules are returned unchanged (converted in place below)."""
    wanted = only is None or any(module is c for c in only)
    if type(module) is Conv2d and isinstance(module.norm, nn.GroupNorm) and wanted:
        return WSConv2d.from_conv(module)
    for name, child in module.named_children():
        new_child = convert_conv_to_ws(child, only)
        if new_child is not child:
            module.add_module(name, new_child)
            _replace_in_lists(module, child, new_child)
    return module
