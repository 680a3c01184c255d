"""The one COCO checker: each defect is found and named."""

import pytest
from PIL import Image

from gn_det.coco.check import check_coco_data, image_size, outside_root

from .coco_sample import GOOD, add, check, put, write_dataset


def test_a_good_dataset_has_no_problems(tmp_path):
    assert check(tmp_path) == []


def _unreadable(data, folder):
    (folder / "img").mkdir(exist_ok=True)
    data["images"][1]["file_name"] = "broken.png"
    (folder / "img" / "broken.png").write_bytes(b"not an image")


A, C, IMG = "annotations", "categories", "images"
CASES = [
    (put(IMG, 0, "width", "32"), "bad image entry", "images[0] = {'id': 1"),
    (add(IMG, dict(GOOD[IMG][0])), "duplicate image id", "image 1 (a.png)"),
    (put(A, 2, "id", 1), "duplicate annotation id", "annotation 1 (image 2)"),
    (put(A, 1, "bbox", [1, 2]), "bad annotation entry", "annotations[1]"),
    (put(C, 1, "name", None), "bad category entry", "categories[1]"),
    (put(A, 2, "image_id", 99), "missing image", "annotation 3 (image 99)"),
    (put(A, 2, "category_id", 7), "missing category", "annotation 3 (image 2): category 7"),
    (put(IMG, 1, "file_name", "nope.png"), "image file missing", "image 2 (nope.png)"),
    (_unreadable, "image unreadable", "image 2 (broken.png)"),
    (put(IMG, 1, "width", 33), "image size mismatch", "image 2 (b.png): file 32x24, JSON 33x24"),
    (put(A, 0, "bbox", [2, 2, 0, 8]), "bad box size", "annotation 1 (image 1): bbox [2, 2, 0, 8]"),
    (put(A, 0, "bbox", [2, 2, float("nan"), 8]), "bad box size", "bbox [2, 2, nan, 8]"),
    (put(A, 0, "bbox", [40, 2, 5, 5]), "box outside image", "bbox [40, 2, 5, 5] in 32x24"),
    (put(A, 0, "bbox", [25, 2, 10, 5]), "box partly outside", "bbox [25, 2, 10, 5] in 32x24"),
    (put(A, 0, "segmentation", [[2, 2, 9, 9]]), "short polygon", "polygon 0 has 4 coordinates"),
    (put(A, 0, "segmentation", [[2, 2, 9, 9, 5, 5, 1]]), "short polygon", "has 7 coordinates"),
    (put(A, 0, "segmentation", 5), "bad segmentation", "annotation 1 (image 1): 5"),
    (put(A, 1, "segmentation", {"size": [10, 10], "counts": "x"}), "RLE wrong size",
     "size [10, 10], image is [24, 32]"),
    (put(A, 1, "segmentation", {"size": [24, 32], "counts": [10, 5]}), "RLE wrong size",
     "counts cover 15 pixels"),
    (put(A, 1, "segmentation", {"size": 5, "counts": "x"}), "RLE wrong size", "size 5"),
    (put(A, 1, "segmentation", {"size": [24, 32], "counts": [778, -10]}), "RLE wrong size",
     "counts are not non-negative integers"),
    (put(A, 1, "segmentation", {"size": [24, 32]}), "bad segmentation", "{'size': [24, 32]}"),
    (put(A, 1, "segmentation", {"size": [24, 32], "counts": "0d"}), "RLE wrong size",
     "counts are malformed"),
    (put(A, 1, "segmentation", {"size": [24, 32], "counts": "4"}), "RLE wrong size",
     "counts cover 4 pixels, not 24x32=768"),
    (put(A, 0, "segmentation", []), "bad segmentation", "[] is neither polygons"),
    (put(A, 0, "segmentation", [[1, 2, 3, 4, 5, float("inf")]]), "short polygon",
     "non-finite or non-numeric"),
    (put(A, 0, "ignore", 1), "ignore flag", "annotation 1 (image 1)"),
    (put(A, 0, "id", 0), "annotation id below 1", "annotation 0 (image 1)"),
    (put(A, 1, "area", None), "no area", "annotation 2 (image 1): area None"),
    (put(A, 1, "area", "big"), "no area", "area 'big'"),
    (put(IMG, 0, "file_name", 7), "no file_name", "image 1: file_name 7"),
    (put(IMG, 1, "file_name", "/etc/passwd"), "image path outside root",
     "image 2 (/etc/passwd)"),
    (put(IMG, 1, "file_name", "../img/b.png"), "image path outside root",
     "image 2 (../img/b.png)"),
    (put(IMG, 1, "file_name", "sub/../../b.png"), "image path outside root", "image 2"),
    (add(C, {"id": 3, "name": "star"}), "empty category", "category 3 (star)"),
    (put(A, 2, "image_id", 1), "image without annotations", "image 2 (b.png)"),
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
    assert check(tmp_path, put("images", 1, "width", 33), images="exists") == []
    (problem,) = check(tmp_path, put("images", 1, "file_name", "x.png"), images="exists")
    assert problem.kind == "image file missing"


def test_headers_are_read_up_to_a_number_of_images(tmp_path):
    wrong_size = put("images", 1, "width", 33)
    assert [p.kind for p in check(tmp_path, wrong_size, max_headers=2)] == ["image size mismatch"]
    assert check(tmp_path, wrong_size, max_headers=1) == []  # 2 images: existence only


def test_paths_outside_the_image_folder_can_be_allowed(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    write_dataset(tmp_path / "elsewhere")  # the same images, one folder over
    outside = put("images", 1, "file_name", "../elsewhere/img/b.png")
    assert check(tmp_path, outside, allow_outside_root=True) == []
    absolute = put("images", 1, "file_name", str(tmp_path / "elsewhere/img/b.png"))
    assert check(tmp_path, absolute, allow_outside_root=True) == []
    assert [p.kind for p in check(tmp_path, absolute)] == ["image path outside root"]


@pytest.mark.parametrize(
    "name,outside",
    [("a.png", False), ("sub/a.png", False), ("sub/../a.png", False), ("./a.png", False),
     ("..a.png", False), ("../a.png", True), ("/a.png", True), ("a/../../x", True)],
)  # fmt: skip
def test_outside_root(name, outside):
    assert outside_root(name) == outside


def test_an_image_info_file_has_no_annotations_list():
    data = {"images": GOOD["images"], "categories": GOOD["categories"]}
    kinds = [p.kind for p in check_coco_data(data, name="test-dev.json")]
    assert kinds[0] == "no annotations list" and set(kinds[1:]) == {
        "empty category", "image without annotations"
    }  # fmt: skip


def test_exif_rotation_is_applied_as_detectron2_does(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: detectron2 reads it as 24 wide, 32 high
    Image.new("RGB", (32, 24)).save(tmp_path / "r.jpg", exif=exif)
    assert image_size(tmp_path / "r.jpg") == (24, 32)
