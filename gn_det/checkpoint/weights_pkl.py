"""Write weights as a detectron2 ``.pkl`` that ``MODEL.WEIGHTS`` loads (converters, pretraining)."""

import pickle

import torch

from ..utils.atomic_file import atomic_open


def detectron2_weights(state_dict, author, norm=None, **extra):
    """The detectron2 ``.pkl`` layout: NumPy weights under ``model``, matched by suffix.

    ``num_batches_tracked`` is dropped (detectron2's FrozenBN has none; BN restarts it).
    """
    model = {
        k: v.detach().cpu().numpy() if torch.is_tensor(v) else v
        for k, v in state_dict.items()
        if not k.endswith("num_batches_tracked")
    }
    data = {"model": model, "__author__": author, "matching_heuristics": True}
    if norm is not None:
        data["norm"] = norm
    data.update(extra)
    return data


def backbone_metadata(cfg):
    """What a user of exported backbone weights must match in the detection config ``cfg``."""
    r = cfg.MODEL.RESNETS
    return {
        "depth": r.DEPTH,
        "res2_out_channels": r.RES2_OUT_CHANNELS,
        "stride_in_1x1": r.STRIDE_IN_1X1,
        "input_format": cfg.INPUT.FORMAT,
        "pixel_mean": list(cfg.MODEL.PIXEL_MEAN),
        "pixel_std": list(cfg.MODEL.PIXEL_STD),
    }


def save_weights_pkl(data, path):
    """Pickle ``data`` to ``path`` atomically (never a half-written file)."""
    with atomic_open(path, "wb") as f:
        pickle.dump(data, f, protocol=4)
    return path
