"""Tests of gn_det.data.shapes: the generated shapes dataset (images + COCO JSON)."""

import json
from pathlib import Path

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest

from gn_det.data import shapes
from gn_det.data.shapes import (
    GENERATOR_VERSION,
    MIN_VISIBLE,
    SHAPE_CLASSES,
    ensure_shapes_dataset,
    generate_shapes_dataset,
)

PARAMS = dict(num_train=12, num_val=4, image_size=64, seed=3, max_objects=4)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return generate_shapes_dataset(tmp_path_factory.mktemp("shapes") / "ds", **PARAMS)


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _load(root, split):
    return json.loads((Path(root) / "annotations" / f"instances_{split}.json").read_text())


def test_generate_layout(dataset):
    assert dataset.is_dir()
    assert sorted(p.name for p in dataset.iterdir()) == [
        "annotations",
        "generator.json",
        "train",
        "val",
    ]
    assert len(list((dataset / "train").glob("*.png"))) == PARAMS["num_train"]
    assert len(list((dataset / "val").glob("*.png"))) == PARAMS["num_val"]
    marker = json.loads((dataset / "generator.json").read_text())
    assert marker == dict(PARAMS, version=GENERATOR_VERSION)
    # The temporary folder was renamed into place, nothing left beside it.
    assert [p.name for p in dataset.parent.iterdir()] == ["ds"]


def test_generation_is_deterministic(dataset, tmp_path):
    again = generate_shapes_dataset(tmp_path / "again", **PARAMS)
    first, second = _files(dataset), _files(again)
    assert sorted(first) == sorted(second)
    for rel, data in first.items():
        assert second[rel] == data, f"{rel} differs between two generations"


def test_seed_changes_output(dataset, tmp_path):
    other = generate_shapes_dataset(tmp_path / "other", **dict(PARAMS, seed=PARAMS["seed"] + 1))
    a, b = _files(dataset), _files(other)
    assert a["annotations/instances_train.json"] != b["annotations/instances_train.json"]
    assert a["train/000000.png"] != b["train/000000.png"]


@pytest.mark.parametrize("split", ["train", "val"])
def test_json_is_coco(dataset, split):
    coco = _load(dataset, split)
    assert {"images", "annotations", "categories"} <= set(coco)
    assert [c["name"] for c in coco["categories"]] == list(SHAPE_CLASSES)
    assert [c["id"] for c in coco["categories"]] == list(range(1, len(SHAPE_CLASSES) + 1))
    n = PARAMS["num_train"] if split == "train" else PARAMS["num_val"]
    assert len(coco["images"]) == n
    image_ids = [im["id"] for im in coco["images"]]
    assert len(set(image_ids)) == n
    ann_ids = [a["id"] for a in coco["annotations"]]
    assert len(set(ann_ids)) == len(ann_ids)
    assert len(coco["annotations"]) >= n  # at least one object per image on average
    for ann in coco["annotations"]:
        assert ann["image_id"] in image_ids
        assert ann["category_id"] in range(1, len(SHAPE_CLASSES) + 1)
        assert ann["iscrowd"] == 0
        assert set(ann["segmentation"]) == {"size", "counts"}
        assert isinstance(ann["segmentation"]["counts"], str)


@pytest.mark.parametrize("split", ["train", "val"])
def test_masks_boxes_and_areas(dataset, split):
    coco = _load(dataset, split)
    per_image = {im["id"]: [] for im in coco["images"]}
    for ann in coco["annotations"]:
        per_image[ann["image_id"]].append(ann)
    for im in coco["images"]:
        anns = per_image[im["id"]]
        assert 1 <= len(anns) <= PARAMS["max_objects"], f"image {im['file_name']}"
        coverage = np.zeros((im["height"], im["width"]), np.int32)
        for ann in anns:
            rle = dict(ann["segmentation"], counts=ann["segmentation"]["counts"].encode())
            assert rle["size"] == [im["height"], im["width"]]
            mask = mask_util.decode(rle)
            assert mask.shape == (im["height"], im["width"])
            pixels = int(mask.sum())
            assert pixels > 0, f"empty mask in {im['file_name']}"
            # Every object keeps at least MIN_VISIBLE of its (>= 30 px) area.
            assert pixels >= MIN_VISIBLE * 30
            assert ann["area"] == pixels
            np.testing.assert_allclose(ann["bbox"], mask_util.toBbox(rle).tolist())
            ys, xs = np.nonzero(mask)
            assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                                   ys.max() - ys.min() + 1]  # fmt: skip
            coverage += mask
        assert coverage.max() <= 1, f"overlapping masks in {im['file_name']}"


@pytest.mark.parametrize("split", ["train", "val"])
def test_images_on_disk_match_json(dataset, split):
    coco = _load(dataset, split)
    for im in coco["images"]:
        img = cv2.imread(str(dataset / split / im["file_name"]), cv2.IMREAD_UNCHANGED)
        assert img is not None
        assert img.shape == (im["height"], im["width"], 3)
        assert img.dtype == np.uint8
        assert (im["width"], im["height"]) == (PARAMS["image_size"],) * 2


def test_write_split_returns_json(tmp_path):
    path = shapes.write_split(tmp_path, "val", 2, 48, seed=0, max_objects=2)
    assert path == tmp_path / "annotations" / "instances_val.json"
    coco = json.loads(path.read_text())
    assert [im["file_name"] for im in coco["images"]] == ["000000.png", "000001.png"]
    assert all(im["width"] == im["height"] == 48 for im in coco["images"])


def test_draw_shape_mask_all_classes():
    for kind in SHAPE_CLASSES:
        mask = shapes.draw_shape_mask(kind, (32.0, 32.0), 12.0, 0.3, 64)
        assert mask.shape == (64, 64) and mask.dtype == np.uint8
        assert 30 < mask.sum() < np.pi * 12.5**2, kind
        ys, xs = np.nonzero(mask)
        assert abs(xs.mean() - 32) < 3 and abs(ys.mean() - 32) < 3, kind
    with pytest.raises(ValueError):
        shapes.draw_shape_mask("hexagon", (32.0, 32.0), 12.0, 0.0, 64)


def test_ensure_does_not_regenerate_when_marker_matches(tmp_path):
    params = dict(num_train=3, num_val=2, image_size=48, seed=5, max_objects=3)
    root = ensure_shapes_dataset(tmp_path / "ds", **params)
    assert root == tmp_path / "ds"
    png = root / "train" / "000000.png"
    before = {p: p.stat().st_mtime_ns for p in (png, root / "generator.json")}
    stamp = root / "untouched.txt"  # would be deleted by a regeneration
    stamp.write_text("x")
    assert ensure_shapes_dataset(tmp_path / "ds", **params) == root
    assert stamp.exists()
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_ensure_regenerates_when_parameters_change(tmp_path):
    params = dict(num_train=3, num_val=2, image_size=48, seed=5, max_objects=3)
    root = ensure_shapes_dataset(tmp_path / "ds", **params)
    stamp = root / "stale.txt"
    stamp.write_text("x")
    root = ensure_shapes_dataset(tmp_path / "ds", **dict(params, num_val=3, image_size=40))
    assert not stamp.exists()
    assert len(list((root / "val").glob("*.png"))) == 3
    assert _load(root, "val")["images"][0]["width"] == 40
    assert json.loads((root / "generator.json").read_text()) == dict(
        params, num_val=3, image_size=40, version=GENERATOR_VERSION
    )


def test_ensure_regenerates_stale_or_missing_marker(tmp_path):
    params = dict(num_train=2, num_val=1, image_size=40, seed=0, max_objects=2)
    root = ensure_shapes_dataset(tmp_path / "ds", **params)
    marker = root / "generator.json"
    # A copy written by an older generator version is replaced.
    marker.write_text(json.dumps(dict(params, version=GENERATOR_VERSION - 1)))
    (root / "stale.txt").write_text("x")
    ensure_shapes_dataset(root, **params)
    assert not (root / "stale.txt").exists()
    assert json.loads(marker.read_text())["version"] == GENERATOR_VERSION
    # A folder without the marker (e.g. an interrupted copy) is regenerated too.
    marker.unlink()
    (root / "stale.txt").write_text("x")
    ensure_shapes_dataset(root, **params)
    assert marker.exists() and not (root / "stale.txt").exists()
