"""--fix-out: a cleaned copy without the entries that have errors; the original unchanged."""

import copy
import json

import pytest

from gn_det.coco.check import check_coco_file
from gn_det.coco.report import severity_counts
from gn_det.data.coco_fix import cleaned_coco, write_cleaned

from ..coco.coco_sample import GOOD, write_dataset


def _many_errors(data, folder):
    data["images"].append({"id": 3, "file_name": "gone.png", "width": 32, "height": 24})
    data["annotations"][0]["segmentation"].append([1, 1, 2, 2])  # dropped, annotation kept
    data["annotations"][1]["bbox"] = [2, 2, -1, 3]  # dropped
    data["annotations"].append(dict(GOOD["annotations"][2], id=3))  # renumbered, kept
    data["annotations"].append(dict(GOOD["annotations"][0], id=9, image_id=3))  # image dropped


def test_fix_out_drops_errors_keeps_the_rest_and_the_original(tmp_path):
    json_file, image_root = write_dataset(tmp_path)
    data = copy.deepcopy(GOOD)
    _many_errors(data, tmp_path)
    with open(json_file, "w") as f:
        json.dump(data, f)
    original = open(json_file, "rb").read()
    data, problems = check_coco_file(json_file, image_root)
    changes = write_cleaned(data, problems, json_file, str(tmp_path / "clean.json"))
    assert open(json_file, "rb").read() == original
    assert changes == {
        "images dropped": 1, "categories dropped": 0, "polygons dropped": 1,
        "annotation ids renumbered": 1, "annotations dropped": 2,
    }  # fmt: skip
    cleaned, problems = check_coco_file(str(tmp_path / "clean.json"), image_root)
    assert severity_counts(problems)["error"] == 0
    assert sorted(a["id"] for a in cleaned["annotations"]) == [1, 3, 10]
    assert len(cleaned["annotations"][0]["segmentation"]) == 1
    with pytest.raises(ValueError, match="is the input file"):
        write_cleaned(data, problems, json_file, json_file)


def test_fixing_a_good_dataset_changes_nothing(tmp_path):
    json_file, image_root = write_dataset(tmp_path)
    data, problems = check_coco_file(json_file, image_root)
    cleaned, changes = cleaned_coco(data, problems)
    assert cleaned == GOOD and sum(changes.values()) == 0
