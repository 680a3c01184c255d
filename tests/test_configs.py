"""Every YAML under configs/ and projects/*/configs/ merges into a gn_det config (yacs
rejects unknown keys), through the loader every tool uses (plain YAML only)."""

import pytest
from detectron2.config import get_cfg

from gn_det.config import add_gn_det_config
from gn_det.engine.setup import load_config
from gn_det.modeling import NORM_KINDS

from .conftest import REPO

CONFIGS = sorted(
    [*(REPO / "configs").rglob("*.yaml"), *(REPO / "projects").glob("*/configs/**/*.yaml")]
)


def test_configs_found():
    assert len(CONFIGS) >= 13


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_merges(path):
    cfg = load_config(str(path))  # also validates the norm keys
    assert cfg.MODEL.META_ARCHITECTURE == "GNDetRCNN"
    assert cfg.MODEL.NORM.TYPE in NORM_KINDS + ("",)
    assert cfg.SOLVER.WEIGHT_DECAY_NORM == 0.0


def test_gn_config_is_the_papers_setting():
    cfg = load_config(str(REPO / "configs/COCO/mask_rcnn_R_50_FPN_3x_gn.yaml"))
    assert cfg.MODEL.NORM.TYPE == "GN"
    assert list(cfg.MODEL.NORM.PARTS) == ["backbone", "fpn", "box_head", "mask_head"]
    assert (cfg.MODEL.ROI_BOX_HEAD.NUM_CONV, cfg.MODEL.ROI_BOX_HEAD.NUM_FC) == (4, 1)
    assert cfg.MODEL.RESNETS.STRIDE_IN_1X1 is False
    assert cfg.SOLVER.MAX_ITER == 270000


def test_defaults_leave_detectron2_in_charge():
    cfg = get_cfg()
    add_gn_det_config(cfg)
    assert cfg.MODEL.NORM.TYPE == ""
    assert cfg.MODEL.NORM.NUM_GROUPS == 32
    assert cfg.DATASETS.REGISTER_COCO == []
