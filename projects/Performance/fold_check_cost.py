#!/usr/bin/env python
"""What the FOLD_BN check costs per inference on the tiny FrozenBN model (1 thread, no data):
main's key over every tensor the fold reads (before issue 16) against the held version
counters of ``gn_det/modeling/speed/fold_bn.py``, and one refold of every conv.

    python projects/Performance/fold_check_cost.py
"""

import timeit

import torch
from detectron2.modeling import build_model

import gn_det  # noqa: F401  (registers GNDetRCNN)
from gn_det.engine.setup import load_config
from gn_det.modeling.speed.fold_bn import BNFoldedConv2d, _Fold, folded_weight_and_bias

TINY = "configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml"


def key_over_every_tensor(conv):
    """The check main made at every call of every folded conv before issue 16."""
    norm = conv.norm
    tensors = [conv.weight, conv.bias, *norm.parameters(), *norm.buffers()]
    return tuple((t.data_ptr(), t._version, t.dtype) for t in tensors if t is not None)


def per_call_us(fn, number=200):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main():
    torch.set_num_threads(1)
    cfg = load_config(TINY, ["MODEL.NORM.TYPE", "FrozenBN", "MODEL.DEVICE", "cpu"])
    model = build_model(cfg).eval()
    convs = [m for m in model.modules() if type(m) is BNFoldedConv2d]
    folds = [_Fold(c) for c in convs]
    old = per_call_us(lambda: [key_over_every_tensor(c) for c in convs])
    new = per_call_us(lambda: [f.is_current() for f in folds])
    with torch.no_grad():
        refold = per_call_us(lambda: [folded_weight_and_bias(c) for c in convs], number=5)
    print(f"{len(convs)} folded convs, check per image: key over every tensor {old:.0f} us, "
          f"held versions {new:.0f} us; refold of every conv {refold / 1e3:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
