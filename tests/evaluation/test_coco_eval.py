"""gn_det.evaluation.coco_eval: faster-coco-eval gives pycocotools' numbers, and more."""

import copy
import json

import numpy as np
import pytest

from gn_det.evaluation.coco_eval import STAT_NAMES, evaluate_coco, load_coco_gt
from gn_det.evaluation.synthetic import synthetic_coco

from .reference import pycocotools_eval


@pytest.fixture(scope="module")
def data():
    """60 images, 8 classes, polygons, 10% crowd GT (uncompressed RLE), RLE detections."""
    return synthetic_coco(
        60, max_dets=30, num_classes=8, width=320, height=240, seed=3, crowd_fraction=0.1
    )


def test_synthetic_data_has_what_the_comparison_needs(data):
    gt, results = data
    anns = gt["annotations"]
    assert sum(a["iscrowd"] for a in anns) >= 5
    assert all(isinstance(a["segmentation"]["counts"], list) for a in anns if a["iscrowd"])
    assert all(isinstance(a["segmentation"], list) for a in anns if not a["iscrowd"])
    areas = np.array([a["area"] for a in anns])
    assert (areas < 32**2).any() and ((areas > 32**2) & (areas < 96**2)).any()
    assert (areas > 96**2).any()
    assert all(isinstance(r["segmentation"]["counts"], str) for r in results)


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_twelve_stats_equal_pycocotools(data, iou_type):
    gt, results = data
    ours = evaluate_coco(load_coco_gt(copy.deepcopy(gt)), results, iou_type)
    ref = pycocotools_eval(gt, results, iou_type)
    assert ours.stats.shape == (12,)
    np.testing.assert_allclose(ours.stats, ref.stats, rtol=0, atol=1e-9)
    assert 0.05 < ours.stats[0] < 0.9  # a real mix of hits and misses, not all zeros
    np.testing.assert_allclose(ours.precision, ref.eval["precision"], rtol=0, atol=1e-9)


def test_image_subset_equals_pycocotools(data):
    gt, results = data
    img_ids = list(range(5, 40, 3))
    ours = evaluate_coco(load_coco_gt(copy.deepcopy(gt)), results, "segm", img_ids=img_ids)
    ref = pycocotools_eval(gt, results, "segm", img_ids=img_ids)
    np.testing.assert_allclose(ours.stats, ref.stats, rtol=0, atol=1e-9)
    assert ours.num_images == len(img_ids)


def test_per_category_ap_and_pr_curves_are_consistent_with_the_stats(data):
    gt, results = data
    m = evaluate_coco(load_coco_gt(copy.deepcopy(gt)), results, "bbox")
    per_cat = m.per_category_ap()
    assert list(per_cat) == [c["name"] for c in gt["categories"]]
    # Every class has ground truth here, so COCO's AP is the mean of the per-category APs.
    assert np.mean(list(per_cat.values())) == pytest.approx(m.stats_percent()["AP"], abs=1e-9)
    for iou, stat in ((0.5, "AP50"), (0.75, "AP75")):
        curve = m.pr_curve(iou)
        assert curve.shape == (101,)
        assert np.all(np.diff(curve) <= 1e-12)  # COCO's interpolated precision never rises
        assert np.mean(curve) * 100 == pytest.approx(m.stats_percent()[stat], abs=1e-9)
    with pytest.raises(ValueError, match="0.52"):
        m.pr_curve(0.52)


def test_results_are_not_mutated(data):
    gt, results = data
    before = copy.deepcopy(results)
    coco_gt = load_coco_gt(copy.deepcopy(gt))
    evaluate_coco(coco_gt, results, "bbox")
    evaluate_coco(coco_gt, results, "segm")
    assert results == before


def test_empty_results_give_zeros_not_a_crash(data):
    gt, _ = data
    m = evaluate_coco(load_coco_gt(copy.deepcopy(gt)), [], "segm")
    stats = m.stats_percent()
    assert stats["AP"] == 0 and stats["AP50"] == 0 and stats["AR100"] == 0
    assert all(v == 0 for v in m.per_category_ap().values())
    assert m.num_results == 0


def test_category_without_ground_truth_is_nan_and_null_in_json(data):
    gt, results = data
    gt = copy.deepcopy(gt)
    gt["categories"].append({"id": 999, "name": "unseen", "supercategory": "thing"})
    m = evaluate_coco(load_coco_gt(gt), results, "bbox")
    assert np.isnan(m.per_category_ap()["unseen"])
    d = json.loads(json.dumps(m.to_dict()))
    assert d["per_category_AP"]["unseen"] is None
    assert list(d["stats"]) == list(STAT_NAMES)
    assert len(d["pr_curve"]["precision@0.50"]) == 101


def test_missing_task_field_and_unknown_image_are_named(data):
    gt, results = data
    coco_gt = load_coco_gt(copy.deepcopy(gt))
    no_mask = [{k: v for k, v in r.items() if k != "segmentation"} for r in results[:3]]
    with pytest.raises(ValueError, match="3 of 3 results have no 'segmentation', needed for segm"):
        evaluate_coco(coco_gt, no_mask, "segm")
    with pytest.raises(ValueError, match="1 image ids absent"):
        evaluate_coco(coco_gt, [{**results[0], "image_id": 12345}], "bbox")
    with pytest.raises(ValueError, match="iou_type 'keypoints'"):
        evaluate_coco(coco_gt, results, "keypoints")
