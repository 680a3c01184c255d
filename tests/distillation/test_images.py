"""Unlabeled images: a folder (recursive, unreadable files skipped and counted) or a dataset."""

import logging

import pytest

from gn_det.data import DatasetError
from gn_det.distillation import images
from gn_det.distillation.images import center_crops, split_images

from .folders import write_folder


def test_folder_is_searched_recursively_and_unreadable_files_are_skipped(tmp_path, caplog):
    root = write_folder(tmp_path / "images")
    with caplog.at_level(logging.WARNING):
        split = split_images(str(root), None, 2, seed=0)
    assert len(split.heldout) == 2 and len(split.train) == 4
    assert not set(split.heldout) & set(split.train)
    assert [p.endswith("broken.jpg") for p in split.skipped] == [True]
    assert "skipped 1 unreadable image file(s)" in caplog.text
    assert split_images(str(root), None, 2, seed=0) == split
    assert len(split_images(str(root), 3, 2, seed=0).train) == 3


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "readme.txt").write_text("no images here")
    with pytest.raises(DatasetError, match="holds no image files"):
        split_images(str(tmp_path / "empty"), None, 2, seed=0)


def test_registered_dataset_gives_its_image_files(small_shapes):
    name, _, image_root = small_shapes["train"]
    split = split_images(name, 5, 3, seed=1)
    assert len(split.heldout) == 3 and len(split.train) == 5
    assert all(p.startswith(image_root) for p in split.train + split.heldout)
    with pytest.raises(DatasetError, match="no_such_dataset is not 'shapes' nor a folder; "
                       "dataset 'no_such_dataset' is not registered"):  # fmt: skip
        split_images("no_such_dataset", 5, 3, seed=1)


def test_center_crops_have_the_image_size(tmp_path):
    root = write_folder(tmp_path / "images")
    crops = center_crops(sorted(map(str, root.rglob("*.png"))), 16)
    assert tuple(crops.shape) == (3, 3, 16, 16) and crops.dtype.is_floating_point is False


def test_shapes_trains_on_the_train_split_and_holds_out_val_images(small_shapes, monkeypatch):
    (train, _, train_root), (val, _, val_root) = small_shapes["train"], small_shapes["val"]
    monkeypatch.setitem(images.SHAPES, "train", train)
    monkeypatch.setitem(images.SHAPES, "heldout", val)
    split = split_images("shapes", None, 5, seed=0)
    assert len(split.heldout) == 5 and len(split.train) == 24
    assert all(p.startswith(val_root) for p in split.heldout)
    assert all(p.startswith(train_root) for p in split.train)
