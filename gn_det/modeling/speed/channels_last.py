"""channels_last (NHWC) memory format for the convs of backbone, FPN and heads.

Convolution kernels (cuDNN with tensor cores, oneDNN on CPU) prefer NHWC; a conv whose
weight is channels_last produces channels_last outputs even from an NCHW input, so
converting the weights carries the format through the network, ROI features included.
"""

import torch


def to_channels_last(module):
    """Convert ``module``'s 4-d parameters and buffers to channels_last, in place."""
    return module.to(memory_format=torch.channels_last)
