"""The COCO dataset checker: each defect is found and named, and --fix-out cleans it."""

import copy
import json
import uuid

import pytest
from PIL import Image

from gn_det.data import DatasetError, register_coco_format
from gn_det.data.check_report import one_line, report_table, severity_counts
from gn_det.data.coco_check import check_coco_file, image_size
from gn_det.data.coco_fix import cleaned_coco, write_cleaned
from gn_det.data.quick_check import quick_check_datasets

from ..conftest import tiny_cfg
from .coco_sample import GOOD, write_dataset


def check(folder, mutate=None, text=None, read_images=True):
    data = copy.deepcopy(GOOD)
    if mutate:
        mutate(data, folder)
    _, problems = check_coco_file(*write_dataset(folder, data, text), read_images=read_images)
    return problems


def test_a_good_dataset_has_no_problems(tmp_path):
    assert check(tmp_path) == []


def _set(section, index, key, value):
    def mutate(data, folder):
        data[section][index][key] = value

    return mutate


def _append(section, entry):
    return lambda data, folder: data[section].append(entry)


def _unreadable(data, folder):
    (folder / "img").mkdir(exist_ok=True)
    data["images"][1]["file_name"] = "broken.png"
    (folder / "img" / "broken.png").write_bytes(b"not an image")


A, C, IMG = "annotations", "categories", "images"
CASES = [
    (_set(IMG, 0, "width", "32"), "bad image entry", "images[0] = {'id': 1"),
    (_append(IMG, dict(GOOD[IMG][0])), "duplicate image id", "image 1 (a.png)"),
    (_set(A, 2, "id", 1), "duplicate annotation id", "annotation 1 (image 2)"),
    (_set(A, 1, "bbox", [1, 2]), "bad annotation entry", "annotations[1]"),
    (_set(C, 1, "name", None), "bad category entry", "categories[1]"),
    (_set(A, 2, "image_id", 99), "missing image", "annotation 3 (image 99)"),
    (_set(A, 2, "category_id", 7), "missing category", "annotation 3 (image 2): category 7"),
    (_set(IMG, 1, "file_name", "nope.png"), "image file missing", "image 2 (nope.png)"),
    (_unreadable, "image unreadable", "image 2 (broken.png)"),
    (_set(IMG, 1, "width", 33), "image size mismatch", "image 2 (b.png): file 32x24, JSON 33x24"),
    (_set(A, 0, "bbox", [2, 2, 0, 8]), "bad box size", "annotation 1 (image 1): bbox [2, 2, 0, 8]"),
    (_set(A, 0, "bbox", [2, 2, float("nan"), 8]), "bad box size", "bbox [2, 2, nan, 8]"),
    (_set(A, 0, "bbox", [40, 2, 5, 5]), "box outside image", "bbox [40, 2, 5, 5] in 32x24"),
    (_set(A, 0, "bbox", [25, 2, 10, 5]), "box partly outside", "bbox [25, 2, 10, 5] in 32x24"),
    (_set(A, 0, "segmentation", [[2, 2, 9, 9]]), "short polygon", "polygon 0 has 4 coordinates"),
    (_set(A, 0, "segmentation", [[2, 2, 9, 9, 5, 5, 1]]), "short polygon", "has 7 coordinates"),
    (_set(A, 0, "segmentation", 5), "bad segmentation", "annotation 1 (image 1): 5"),
    (_set(A, 1, "segmentation", {"size": [10, 10], "counts": "x"}), "RLE wrong size",
     "size [10, 10], image is [24, 32]"),
    (_set(A, 1, "segmentation", {"size": [24, 32], "counts": [10, 5]}), "RLE wrong size",
     "counts cover 15 pixels"),
    (_set(A, 1, "segmentation", {"size": 5, "counts": "x"}), "RLE wrong size", "size 5"),
    (_set(A, 1, "segmentation", {"size": [24, 32], "counts": [778, -10]}), "RLE wrong size",
     "counts are not non-negative integers"),
    (_set(A, 1, "segmentation", {"size": [24, 32]}), "bad segmentation", "{'size': [24, 32]}"),
    (_set(A, 0, "ignore", 1), "ignore flag", "annotation 1 (image 1)"),
    (_append(C, {"id": 3, "name": "star"}), "empty category", "category 3 (star)"),
    (_set(A, 2, "image_id", 1), "image without annotations", "image 2 (b.png)"),
]  # fmt: skip


@pytest.mark.parametrize("mutate,kind,where", CASES)
def test_each_problem_is_found_and_named(tmp_path, mutate, kind, where):
    problems = check(tmp_path, mutate)
    assert problems[0].kind == kind and where in problems[0].where
    # Anything else is a consequence: e.g. annotations of a bad image entry lose their image.
    consequences = {
        "missing image",
        "missing category",
        "empty category",
        "image without annotations",
    }
    assert {p.kind for p in problems[1:]} <= consequences


@pytest.mark.parametrize(
    "text,kind,where", [("{bad json", "invalid JSON", "line 1"), ("[1, 2]", "not COCO", "list")]
)
def test_unparsable_files(tmp_path, text, kind, where):
    (problem,) = check(tmp_path, text=text)
    assert problem.kind == kind and "ann.json" in problem.where and where in problem.where


def test_cheap_mode_does_not_open_images(tmp_path):
    assert check(tmp_path, _set("images", 1, "width", 33), read_images=False) == []
    (problem,) = check(tmp_path, _set("images", 1, "file_name", "x.png"), read_images=False)
    assert problem.kind == "image file missing"


def test_exif_rotation_is_applied_as_detectron2_does(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: detectron2 reads it as 24 wide, 32 high
    Image.new("RGB", (32, 24)).save(tmp_path / "r.jpg", exif=exif)
    assert image_size(tmp_path / "r.jpg") == (24, 32)


def test_report_table_and_one_line(tmp_path):
    problems = check(tmp_path, _set("annotations", 0, "bbox", [2, 2, 0, 8]))
    problems += check(tmp_path, _set("annotations", 0, "bbox", [25, 2, 10, 5]))
    table = report_table(problems)
    assert "bad box size" in table and "box partly outside" in table and "count" in table
    assert severity_counts(problems) == {"error": 1, "warning": 1, "info": 0}
    assert (
        one_line(problems)
        == "1 error: 1 bad box size (e.g. annotation 1 (image 1): bbox [2, 2, 0, 8])"
    )


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


def register(tmp_path, mutate=None):
    data = copy.deepcopy(GOOD)
    if mutate:
        mutate(data, tmp_path)
    name = f"check_{uuid.uuid4().hex[:8]}"
    register_coco_format(name, *write_dataset(tmp_path, data))
    return name


def test_training_start_check_stops_on_errors_with_one_line(tmp_path):
    name = register(tmp_path, _set("annotations", 0, "segmentation", [[1, 1, 2, 2]]))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    with pytest.raises(DatasetError) as info:
        quick_check_datasets(cfg)
    message = str(info.value)
    assert f"dataset '{name}' (" in message and "has 1 error: 1 short polygon" in message
    assert f"Full report: python tools/check_dataset.py {name}" in message
    assert "\n" not in message


def test_training_start_check_returns_warnings(tmp_path):
    name = register(tmp_path, _set("annotations", 0, "bbox", [25, 2, 10, 5]))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    (warning,) = quick_check_datasets(cfg)
    assert warning.startswith(f"dataset '{name}': 1 warning: 1 box partly outside")
