"""classification_data: one memory layout whatever the source; pretrain_config: the schedule of
a pretraining run, in epochs or in equal iterations."""

import cv2
import numpy as np

from gn_det.classification import classification_data, pretrain_config
from gn_det.classification.batches import ShuffledBatches

from ..conftest import tiny_cfg


def _layouts(source, image_size, num_images=3):
    train, val, _ = classification_data(source, image_size, num_images)
    batch = ShuffledBatches(*train, batch_size=2, seed=0).batch(0)["images"]
    return train[0].flags["C_CONTIGUOUS"], val[0].flags["C_CONTIGUOUS"], batch.is_contiguous()


def test_rendered_and_cached_crops_reach_the_model_in_one_layout(tmp_path, monkeypatch):
    """The run that renders the crops and the runs that read them from the cache must train
    on the same memory layout: the conv path, and so a seeded result, depends on it."""
    monkeypatch.setenv("DETECTRON2_DATASETS", str(tmp_path))
    rendered = _layouts("shapes", 16)
    assert list((tmp_path / "shapes_crops").glob("*.npz"))
    assert rendered == _layouts("shapes", 16) == (True, True, True)


def test_image_folder_images_are_contiguous(tmp_path):
    for split in ("train", "val"):
        for name in ("a", "b"):
            (tmp_path / split / name).mkdir(parents=True)
            cv2.imwrite(str(tmp_path / split / name / "0.png"), np.zeros((9, 7, 3), np.uint8))
    assert _layouts(str(tmp_path), 8) == (True, True, True)


def test_equal_epochs_and_equal_iterations():
    common = dict(num_train=3535, epochs=4, lr=0.1, output_dir="out")
    cfg, period = pretrain_config(tiny_cfg(), batch_size=32, **common)
    assert (cfg.SOLVER.MAX_ITER, period, cfg.SOLVER.IMS_PER_BATCH) == (440, 110, 32)
    small, small_period = pretrain_config(tiny_cfg(), batch_size=2, **common)
    assert (small.SOLVER.MAX_ITER, small_period) == (7068, 1767)  # 16x the steps
    iters, iters_period = pretrain_config(tiny_cfg(), batch_size=2, schedule_batch=32, **common)
    assert (iters.SOLVER.MAX_ITER, iters_period) == (440, 110)  # batch 32's steps
    assert iters.SOLVER.IMS_PER_BATCH == 2 and iters.SOLVER.WARMUP_ITERS == 55
