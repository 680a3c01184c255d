"""Fail fast with a LazyConfig: the checks of preflight, in the LazyConfig's own names."""

import os

import pytest

from gn_det.checkpoint.checkpointer import CheckpointError
from gn_det.data import DatasetError
from gn_det.engine.setup import ConfigError
from gn_det.lazy.config import apply_overrides, load_lazy_config
from gn_det.lazy.preflight import lazy_preflight
from gn_det.modeling import NormConfigError

from ..conftest import REPO

SHAPES = str(REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py")


def small_lazy_cfg(small_shapes, tmp_path, *overrides):
    """The Shapes LazyConfig on the small test data, writing to ``tmp_path/out``."""
    cfg = load_lazy_config(SHAPES)
    cfg.dataloader.train.dataset.names = small_shapes["train"][0]
    cfg.dataloader.test.dataset.names = small_shapes["val"][0]
    cfg.train.output_dir = str(tmp_path / "out")
    return apply_overrides(cfg, overrides)


@pytest.mark.parametrize(
    "overrides,processes,error,expected",
    [
        (["dataloader.train.total_batch_size=3"], 2, ConfigError,
         "dataloader.train.total_batch_size=3 must be a multiple of the number of processes (2"),
        ([], 0, ConfigError, "--num-gpus 0 --num-machines 1: both must be >= 1"),
        (["train.max_iter=0"], 1, ConfigError, "train.max_iter=0 must be an integer > 0"),
        (["train.checkpointer.period=0"], 1, ConfigError, "train.checkpointer.period=0 must be"),
        (["train.amp.enabled=True"], 1, ConfigError, "train.amp.enabled=True needs CUDA"),
        (["model.norm.type=SyncBN"], 1, ConfigError, "use BN (model.norm.type=BN) for one"),
        (["model.norm.num_groups=48"], 1, NormConfigError,
         "model.norm.num_groups=48 does not divide the channels of 36 layer(s): "
         "backbone.bottom_up.stem.conv1 has 64 channels"),
        (["model.norm.channels_per_group=24"], 1, NormConfigError,
         "or set model.norm.channels_per_group, or leave that part out of model.norm.parts"),
        (["train.init_checkpoint=/no/such/weights.pth"], 1, ConfigError,
         "train.init_checkpoint /no/such/weights.pth does not exist"),
        (["model.roi_heads.num_classes=3"], 1, DatasetError,
         "5 categories but model.roi_heads.num_classes is 3: set model.roi_heads.num_classes=5"),
        (["dataloader.test.dataset.names=shapes_vall"], 1, DatasetError,
         "'shapes_vall' is not registered. Close names: ['shapes_val'"),
        (["dataloader.test.dataset.names=shapes_vall"], 1, DatasetError,
         "Register a COCO-format dataset in the config file with gn_det.data.register_coco_format"),
        (["model.backbone.bottom_up.stages.norm=GroupNorm"], 1, ConfigError,
         "the model cannot be built from this config: GroupNorm"),
    ],
)  # fmt: skip
def test_bad_lazy_config_is_rejected(small_shapes, tmp_path, overrides, processes, error, expected):
    cfg = small_lazy_cfg(small_shapes, tmp_path, *overrides)
    with pytest.raises(error) as info:
        lazy_preflight(cfg, num_processes=processes)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_good_config_passes_and_processes_run_on_cpu(small_shapes, tmp_path):
    cfg = small_lazy_cfg(small_shapes, tmp_path)
    assert lazy_preflight(cfg) == []
    assert lazy_preflight(cfg, num_processes=2) == []
    syncbn = small_lazy_cfg(small_shapes, tmp_path, "model.norm.type=SyncBN")
    assert lazy_preflight(syncbn, num_processes=2) == []
    assert lazy_preflight(syncbn, eval_only=True) == []


def test_what_will_not_learn_from_scratch_warns_in_lazy_terms(small_shapes, tmp_path):
    cfg = small_lazy_cfg(small_shapes, tmp_path, "model.norm.type=FrozenBN")
    (warning,) = lazy_preflight(cfg)
    assert "with train.init_checkpoint='' will not learn" in warning
    assert "(model.norm.type=GN)" in warning
    cfg = small_lazy_cfg(small_shapes, tmp_path, "model.backbone.bottom_up.freeze_at=2")
    (warning,) = lazy_preflight(cfg)
    assert warning.startswith("model.backbone.bottom_up.freeze_at=2 freezes ")
    assert "Set model.backbone.bottom_up.freeze_at=0 to train from scratch" in warning


def test_output_folder_checks(small_shapes, tmp_path):
    cfg = small_lazy_cfg(small_shapes, tmp_path)
    os.makedirs(cfg.train.output_dir)
    (tmp_path / "out" / "last_checkpoint").write_text("model_0000009.pth")
    (warning,) = lazy_preflight(cfg)
    assert "without --resume training starts at iteration 0" in warning
    with pytest.raises(CheckpointError, match="last_checkpoint names 'model_0000009.pth'"):
        lazy_preflight(cfg, resume=True)


def test_remote_weights_offline_name_the_lazy_key(small_shapes, tmp_path, monkeypatch):
    monkeypatch.setenv("GN_DET_ALLOW_DOWNLOAD", "0")
    monkeypatch.setenv("FVCORE_CACHE", str(tmp_path / "cache"))
    weights = "detectron2://ImageNetPretrained/MSRA/R-50.pkl"
    cfg = small_lazy_cfg(small_shapes, tmp_path, f"train.init_checkpoint={weights}")
    with pytest.raises(ConfigError) as info:
        lazy_preflight(cfg)
    assert str(info.value).startswith(f"train.init_checkpoint {weights} must be downloaded")
    assert "MODEL.WEIGHTS" not in str(info.value)
