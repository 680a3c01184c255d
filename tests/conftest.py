"""Shared helpers: tiny configs and a small generated COCO-format dataset."""

import os
import uuid
from pathlib import Path

import pytest

# Before PyTorch loads: its OpenMP threads sleep, not spin, while waiting (the tests start
# processes that run side by side, like the ones gn_det starts).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parent.parent
TINY_CONFIG = REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.yaml"


def tiny_cfg(*opts):
    """The CPU demo config (ResNet-18, 64-wide FPN/heads) with ``KEY VALUE`` overrides."""
    from gn_det.engine.setup import load_config

    cfg = load_config(str(TINY_CONFIG), [str(o) for o in opts])
    cfg.MODEL.DEVICE = "cpu"
    return cfg


@pytest.fixture(scope="session")
def small_shapes(tmp_path_factory):
    """A small shapes dataset (24 train / 8 val images, 96 px) registered under unique names."""
    from gn_det.data import register_coco_format
    from gn_det.data.shapes import generate_shapes_dataset

    root = generate_shapes_dataset(
        tmp_path_factory.mktemp("data") / "shapes", num_train=24, num_val=8, image_size=96, seed=1
    )
    names = {}
    for split in ("train", "val"):
        name = f"test_shapes_{split}_{uuid.uuid4().hex[:6]}"
        json_file = os.path.join(root, "annotations", f"instances_{split}.json")
        register_coco_format(name, json_file, os.path.join(root, split))
        names[split] = (name, json_file, os.path.join(root, split))
    return names
