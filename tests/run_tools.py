"""Run gn_det's tools in a subprocess, as a user would, on the small test dataset."""

import json
import os
import subprocess
import sys

from .conftest import REPO

# Tiny, fast training on the small shapes data (CPU, no data-loader workers).
FAST_TRAINING = [
    "SOLVER.IMS_PER_BATCH", 2,
    "SOLVER.STEPS", "()",
    "SOLVER.WARMUP_ITERS", 2,
    "INPUT.MIN_SIZE_TRAIN", "(96,)",
    "INPUT.MIN_SIZE_TEST", 96,
    "DATALOADER.NUM_WORKERS", 0,
]  # fmt: skip


def run_tool(name, *args, cwd, env=None, timeout=600):
    """``python tools/<name> ARGS`` in ``cwd``; the CompletedProcess (text output)."""
    return subprocess.run(
        [sys.executable, str(REPO / "tools" / name), *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shapes_opts(small_shapes, test=True):
    """KEY VALUE options that register and use the small shapes splits (no test set if not
    ``test``)."""
    (train, *train_files), (val, *val_files) = small_shapes["train"], small_shapes["val"]
    return [
        "DATASETS.REGISTER_COCO", json.dumps([[train, *train_files], [val, *val_files]]),
        "DATASETS.TRAIN", f"('{train}',)",
        "DATASETS.TEST", f"('{val}',)" if test else "()",
    ]  # fmt: skip
