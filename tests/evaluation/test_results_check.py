"""gn_det.evaluation.results_check: every bad GT or results file stops with one clear line."""

import copy
import json

import pytest
from faster_coco_eval import mask_api_new_cpp as rle_api
from faster_coco_eval.core import mask as mask_util

from gn_det.evaluation.coco_eval import evaluate_coco, load_coco_gt
from gn_det.evaluation.errors import EvaluationInputError
from gn_det.evaluation.results_check import (
    check_gt,
    check_results,
    infer_iou_types,
    read_json,
)
from gn_det.evaluation.synthetic import synthetic_coco

BOTH = ("bbox", "segm")


@pytest.fixture(scope="module")
def data():
    return synthetic_coco(6, max_dets=10, num_classes=3, width=64, height=48, seed=5)


def _results(data, **change):
    """The results, with ``change`` applied to result #2."""
    results = copy.deepcopy(data[1])
    results[2].update(change)
    return results


def test_good_files_pass_unchanged(data):
    gt, results = data
    check_gt(gt, "gt.json", BOTH)
    checked, notes = check_results(results, gt, "res.json", BOTH)
    assert checked == results and notes == []
    assert infer_iou_types(results, "res.json") == BOTH
    boxes_only = [{k: v for k, v in r.items() if k != "segmentation"} for r in results]
    assert infer_iou_types(boxes_only, "res.json") == ("bbox",)


@pytest.mark.parametrize(
    "change,expected",
    [
        (
            {"image_id": 999},
            "image_id absent from the ground truth in 1 result (first: result #2: image_id 999)",
        ),
        ({"category_id": 77}, "category_id absent from the ground truth in 1 result"),
        ({"image_id": [1]}, "image_id absent from the ground truth in 1 result"),
        ({"image_id": "1"}, "(first: result #2: image_id '1')"),
        ({"score": float("nan")}, "no finite 'score'"),
        ({"bbox": [1, 2, float("inf"), 4]}, "not 4 finite numbers"),
        ({"bbox": [1, 2, 3]}, "not 4 finite numbers"),
        ({"bbox": [1, 2, -3, 4]}, "negative width or height"),
        (
            {"segmentation": [[1, 2, 3, 4, 5]]},
            "polygon 0 has 5 coordinates, not 3 or more x, y pairs",
        ),
        ({"segmentation": [[1, 2, 3, 4, 5, float("nan")]]}, "non-finite or non-numeric"),
        ({"segmentation": []}, "[] is neither polygons nor an RLE"),
        ({"segmentation": {"size": [10, 10], "counts": "0d0"}}, "size [10, 10], image is [48, 64]"),
        ({"segmentation": {"size": [48, 64], "counts": "0d"}}, "counts are malformed"),
        ({"segmentation": {"size": [48, 64], "counts": "~~~"}}, "counts cover 42 pixels"),
        ({"segmentation": {"size": [48, 64], "counts": "4"}}, "cover 4 pixels, not 48x64=3072"),
        ({"segmentation": {"size": [48, 64], "counts": [3, -1]}}, "not non-negative integers"),
        ({"segmentation": {"size": [48, 64], "counts": 5}}, "is neither polygons nor an RLE"),
        ({"segmentation": "mask.png"}, "'mask.png' is neither polygons nor an RLE"),
        ({"segmentation": {"counts": "0d0"}}, "size None, image is [48, 64]"),
    ],
)
def test_bad_result_is_named_with_file_count_and_first_example(data, change, expected):
    with pytest.raises(EvaluationInputError) as e:
        check_results(_results(data, **change), data[0], "res.json", BOTH)
    message = str(e.value)
    assert message.startswith("res.json: ") and "\n" not in message
    assert expected in message


def test_several_problems_are_counted_in_one_line(data):
    gt, results = data
    results = copy.deepcopy(results)
    for r in results[:3]:
        r["image_id"] = 1000
    results[5]["bbox"] = [0, 0, -1, 1]
    with pytest.raises(EvaluationInputError) as e:
        check_results(results, gt, "res.json", BOTH)
    assert "image_id absent from the ground truth in 3 results (first: result #0" in str(e.value)
    assert "bad bbox in 1 result (first: result #5" in str(e.value)


def test_missing_field_for_the_requested_task(data):
    gt, results = data
    no_mask = [{k: v for k, v in r.items() if k != "segmentation"} for r in results]
    with pytest.raises(EvaluationInputError, match="no 'segmentation' \\(needed for segm\\)"):
        check_results(no_mask, gt, "res.json", ("segm",))
    mixed = copy.deepcopy(results)
    del mixed[0]["bbox"], mixed[1]["segmentation"]
    with pytest.raises(EvaluationInputError, match="pass --iou-type"):
        infer_iou_types(mixed, "res.json")


def test_results_that_are_not_a_list(data):
    with pytest.raises(EvaluationInputError, match="res.json is not a COCO results file"):
        check_results({"annotations": []}, data[0], "res.json", BOTH)
    with pytest.raises(EvaluationInputError, match="not an object in 1 result"):
        check_results([3], data[0], "res.json", BOTH)


def test_polygon_and_uncompressed_masks_are_converted_and_reported(data):
    gt, results = data
    coco_gt = load_coco_gt(copy.deepcopy(gt))
    expected = evaluate_coco(coco_gt, results, "segm").stats
    # The same masks as polygons would differ by rasterization, so use uncompressed RLE for
    # all but one result, and one polygon: the converted result must evaluate the same.
    changed = copy.deepcopy(results)
    for r in changed[1:]:
        r["segmentation"] = rle_api.toUncompressedRLE([r["segmentation"]])[0]
    changed[0]["segmentation"] = [[2, 2, 20, 2, 20, 20, 2, 20]]
    checked, notes = check_results(changed, gt, "res.json", ("segm",))
    assert f"converted {len(results) - 1} uncompressed-RLE segmentations" in " ".join(notes)
    assert "converted 1 polygon segmentation to" in " ".join(notes)
    assert all(isinstance(r["segmentation"]["counts"], str) for r in checked)
    assert changed[1]["segmentation"]["counts"] != checked[1]["segmentation"]["counts"]
    assert mask_util.area(checked[0]["segmentation"]) == 18 * 18
    checked[0]["segmentation"] = results[0]["segmentation"]
    assert evaluate_coco(coco_gt, checked, "segm").stats.tolist() == expected.tolist()


def test_detections_beyond_max_dets_are_counted_in_a_note(data):
    gt, results = data
    extra = [dict(results[0], score=0.001 * i) for i in range(105)]
    _, notes = check_results(extra, gt, "res.json", ("bbox",))
    assert "5 detections are not counted: beyond the 100 highest-scoring" in notes[0]


def test_empty_results_are_fine_and_said(data):
    checked, notes = check_results([], data[0], "res.json", BOTH)
    assert checked == [] and "res.json holds no results" in notes[0]
    assert infer_iou_types([], "res.json") == ("bbox",)


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda gt: gt["images"], "1 not COCO (e.g. gt.json: top level is a list)"),
        (lambda gt: {k: v for k, v in gt.items() if k != "annotations"}, "1 no annotations list"),
        (lambda gt: {**gt, "categories": {}}, "1 not COCO"),
        (
            lambda gt: gt["images"][1].pop("height") and gt,
            "1 bad image entry, 3 missing image (e.g. images[1] = ",
        ),
        (lambda gt: gt["images"].append(dict(gt["images"][0])) or gt, "1 duplicate image id"),
        (lambda gt: gt["categories"][0].pop("name") and gt, "1 bad category entry"),
        (lambda gt: gt["annotations"][0].update(id=0) or gt, "1 annotation id below 1"),
        (
            lambda gt: gt["annotations"][0].update(id=[3]) or gt,
            "1 bad annotation entry (e.g. annotations[0] = ",
        ),
        (lambda gt: gt["annotations"][1].update(image_id=50) or gt, "1 missing image"),
        (lambda gt: gt["annotations"][1].update(category_id=50) or gt, "1 missing category"),
        (lambda gt: gt["annotations"][1].update(area="big") or gt, "1 no area"),
        (lambda gt: gt["annotations"][1].update(bbox=[0, 0, -2, 2]) or gt, "1 bad box size"),
        (lambda gt: gt["annotations"][1].update(segmentation=[[1, 2]]) or gt, "1 short polygon"),
    ],
)
def test_bad_gt_is_named(data, mutate, expected):
    gt = mutate(copy.deepcopy(data[0]))
    with pytest.raises(EvaluationInputError) as e:
        check_gt(gt, "gt.json", BOTH)
    assert "gt.json" in str(e.value) and expected in str(e.value)


def test_read_json_errors(tmp_path):
    with pytest.raises(EvaluationInputError, match="GT file .*nope.json does not exist"):
        read_json(tmp_path / "nope.json", "GT")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(EvaluationInputError, match="results file .*bad.json is not valid JSON"):
        read_json(bad, "results")
    good = tmp_path / "good.json"
    good.write_text(json.dumps([1]))
    assert read_json(good, "results") == [1]
