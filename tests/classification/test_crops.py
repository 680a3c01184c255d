"""Shapes crops: deterministic, cached, and a split of their own."""

import threading

import numpy as np

from gn_det.classification import crops as crops_module
from gn_det.classification.crops import render_crops, shape_crops
from gn_det.data.shapes import SHAPE_CLASSES


def test_crops_are_deterministic_and_labelled():
    crops, labels = render_crops("train", 6, 32)
    again, labels_again = render_crops("train", 6, 32)
    assert crops.dtype == np.uint8 and crops.shape[1:] == (3, 32, 32)
    assert len(crops) == len(labels) >= 6
    np.testing.assert_array_equal(crops, again)
    np.testing.assert_array_equal(labels, labels_again)
    assert set(labels.tolist()) <= set(range(len(SHAPE_CLASSES)))


def test_train_and_val_are_different_images():
    train, _ = render_crops("train", 3, 32)
    val, _ = render_crops("val", 3, 32)
    assert not np.array_equal(train[: len(val)], val[: len(train)])


def test_cached_crops_are_reused_and_match(tmp_path):
    crops, labels = shape_crops(tmp_path, "val", 24, 4)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    cached, cached_labels = shape_crops(tmp_path, "val", 24, 4)
    assert files[0].stat().st_mtime_ns == mtime
    np.testing.assert_array_equal(crops, cached)
    np.testing.assert_array_equal(labels, cached_labels)


def test_runs_that_make_the_cache_together_all_succeed(tmp_path, monkeypatch):
    """Two runs of a sweep start at once on a fresh machine: both write the cache, and a
    shared temporary file would be renamed away under the second writer."""
    real_savez, together = np.savez, threading.Barrier(3)

    def savez_together(*args, **kwargs):  # every writer has written before any renames
        real_savez(*args, **kwargs)
        together.wait(timeout=30)

    monkeypatch.setattr(crops_module.np, "savez", savez_together)
    results, errors = [], []

    def make_cache():
        try:
            results.append(shape_crops(tmp_path, "val", 16, 2))
        except Exception as e:  # reported by the assertion below
            errors.append(e)

    writers = [threading.Thread(target=make_cache) for _ in range(3)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert errors == [] and len(results) == 3
    monkeypatch.undo()
    cached, labels = shape_crops(tmp_path, "val", 16, 2)
    np.testing.assert_array_equal(cached, results[0][0])
    np.testing.assert_array_equal(labels, results[0][1])
    assert [p.name for p in tmp_path.iterdir()] == ["val_16px_2.npz"]
