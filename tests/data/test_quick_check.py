"""The pre-launch dataset check: errors stop the run with one line, warnings are returned."""

import copy
import shlex
import subprocess
import sys
import uuid

import pytest

from gn_det.data import DatasetError, register_coco_format
from gn_det.data.quick_check import quick_check_datasets

from ..coco.coco_sample import GOOD, put, write_dataset
from ..conftest import REPO, tiny_cfg


def register(tmp_path, mutate=None):
    data = copy.deepcopy(GOOD)
    if mutate:
        mutate(data, tmp_path)
    name = f"check_{uuid.uuid4().hex[:8]}"
    register_coco_format(name, *write_dataset(tmp_path, data))
    return name


def test_training_start_check_stops_on_errors_with_one_line(tmp_path):
    name = register(tmp_path, put("annotations", 0, "segmentation", [[1, 1, 2, 2]]))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    with pytest.raises(DatasetError) as info:
        quick_check_datasets(cfg)
    message = str(info.value)
    assert f"dataset '{name}' (" in message and "has 1 error: 1 short polygon" in message
    json_file, image_root = tmp_path / "ann.json", tmp_path / "img"
    assert (
        f"Full report: python tools/check_dataset.py --json {json_file} --images {image_root} ("
        in message
    )
    assert "\n" not in message


def test_the_hint_command_reports_the_same_error(tmp_path):
    name = register(tmp_path, put("images", 1, "width", 40))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    with pytest.raises(DatasetError) as info:
        quick_check_datasets(cfg)
    assert "1 error: 1 image size mismatch (e.g. image 2 (b.png): file 32x24, JSON 40x24)" in str(
        info.value
    )
    command = str(info.value).split("Full report: ")[1].split(" (add --fix-out")[0]
    argv = [sys.executable, *shlex.split(command)[1:]]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1 and "image size mismatch" in proc.stdout, proc.stderr[-2000:]


def test_evaluation_problems_count_for_test_datasets_only(tmp_path):
    name = register(tmp_path, put("annotations", 1, "area", None))
    train = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    assert quick_check_datasets(train) == []
    test = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", f"('{name}',)")
    with pytest.raises(DatasetError, match="1 error: 1 no area"):
        quick_check_datasets(test)


def test_image_headers_are_read_up_to_the_limit_and_a_skip_is_said(tmp_path):
    name = register(tmp_path, put("images", 1, "width", 40))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    with pytest.raises(DatasetError, match="image size mismatch"):
        quick_check_datasets(cfg)
    cfg.DATASETS.IMAGE_HEADER_CHECK_LIMIT = 1
    (warning,) = quick_check_datasets(cfg)
    assert "the 2 images were not opened before training (more than " in warning
    assert "DATASETS.IMAGE_HEADER_CHECK_LIMIT 1)" in warning and "--json" in warning
    cfg.DATASETS.IMAGE_HEADER_CHECK_LIMIT = 0
    assert quick_check_datasets(cfg) == []


def test_images_outside_the_image_folder_need_the_setting(tmp_path):
    name = register(tmp_path, put("images", 1, "file_name", "../img/b.png"))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    with pytest.raises(DatasetError) as info:
        quick_check_datasets(cfg)
    assert "1 image path outside root (e.g. image 2 (../img/b.png))" in str(info.value)
    assert "set DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT True" in str(info.value)
    cfg.DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT = True
    assert quick_check_datasets(cfg) == []


def test_training_start_check_returns_warnings(tmp_path):
    name = register(tmp_path, put("annotations", 0, "bbox", [25, 2, 10, 5]))
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()")
    (warning,) = quick_check_datasets(cfg)
    assert warning.startswith(f"dataset '{name}': 1 warning: 1 box partly outside")
