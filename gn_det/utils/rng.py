"""The process's random state (Python, NumPy, torch CPU and CUDA): save, restore, seed locally.

States are plain lists and tensors so they load from a checkpoint with
``torch.load(weights_only=True)``.
"""

import contextlib
import random

import numpy as np
import torch


def rng_state():
    """The random state of this process, as checkpoint-safe values."""
    bit_gen = np.random.get_state(legacy=False)
    return {
        "python": random.getstate(),
        "numpy": {
            "key": torch.from_numpy(bit_gen["state"]["key"].astype(np.int64)),
            "pos": int(bit_gen["state"]["pos"]),
            "has_gauss": int(bit_gen["has_gauss"]),
            "gauss": float(bit_gen["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state):
    """Restore a state returned by ``rng_state`` (CUDA only if the device count matches)."""
    random.setstate(_as_tuples(state["python"]))
    numpy = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": "MT19937",
            "state": {"key": numpy["key"].numpy().astype(np.uint32), "pos": numpy["pos"]},
            "has_gauss": numpy["has_gauss"],
            "gauss": numpy["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    cuda = state["cuda"]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def _as_tuples(value):
    """``random.getstate()`` after a round trip that may have turned tuples into lists."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuples(v) for v in value)
    return value


@contextlib.contextmanager
def seeded_rng(seed):
    """Run the block with Python, NumPy and torch CPU random seeded by ``seed``; the previous
    state comes back afterwards, so the caller's random stream is untouched."""
    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])
