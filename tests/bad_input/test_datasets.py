"""Bad datasets and images, run as a user would: one ``error:`` line naming the file, the
dataset and the command that checks it, exit status 1, no traceback, nothing changed; before
training when the pre-launch check sees it, from the data path (one or two processes) when
it does not open the images."""

import copy
import json
import shlex
import uuid

import cv2
import numpy as np
import pytest

from ..coco.coco_sample import GOOD, write_dataset
from ..conftest import REPO, TINY_CONFIG
from ..run_tools import FAST_TRAINING, run_tool
from .expect import assert_one_error, tree_digest


def dataset(tmp_path, change):
    """A copy of the sample dataset under tmp_path/data with ``change(data, folder)`` applied;
    (json_file, image_root)."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = copy.deepcopy(GOOD)
    json_file, image_root = write_dataset(folder, data)
    change(data, folder)
    (folder / "ann.json").write_text(json.dumps(data))
    return json_file, image_root


def _empty_image(data, folder):
    (folder / "img" / "b.png").write_bytes(b"")


def _text_image(data, folder):
    (folder / "img" / "b.png").write_text("not an image")


def _larger_image(data, folder):
    cv2.imwrite(str(folder / "img" / "b.png"), np.zeros((24, 40, 3), np.uint8))


def _absolute(data, folder):
    data["images"][1]["file_name"] = "/etc/hostname"


def _escapes(data, folder):
    (folder / "secret.png").write_bytes((folder / "img" / "b.png").read_bytes())
    data["images"][1]["file_name"] = "../secret.png"


def train(tmp_path, json_file, image_root, *opts, processes=1):
    name = f"bad_{uuid.uuid4().hex[:6]}"
    return run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, "--num-gpus", processes, "--dist-url", "auto",
        "DATASETS.REGISTER_COCO", json.dumps([[name, json_file, image_root]]),
        "DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", "()", *FAST_TRAINING,
        "INPUT.MIN_SIZE_TRAIN", "(32,)", "MODEL.ROI_HEADS.NUM_CLASSES", 2,
        "SOLVER.MAX_ITER", 1, "OUTPUT_DIR", tmp_path / "out", *opts, cwd=tmp_path,
    )  # fmt: skip


def run_hint(error_line):
    """Run the check command an error line gives; its CompletedProcess."""
    command = error_line.split("python tools/check_dataset.py ")[1].split(" (add --fix-out")[0]
    return run_tool("check_dataset.py", *shlex.split(command), cwd=REPO)


@pytest.mark.parametrize(
    "change,expected",
    [
        (_empty_image, "1 image unreadable (e.g. image 2 (b.png): cannot identify image file"),
        (_larger_image, "1 image size mismatch (e.g. image 2 (b.png): file 40x24, JSON 32x24)"),
        (_absolute, "1 image path outside root (e.g. image 2 (/etc/hostname))"),
        (_escapes, "1 image path outside root (e.g. image 2 (../secret.png))"),
    ],
)
def test_bad_images_stop_training_before_it_starts(tmp_path, change, expected):
    json_file, image_root = dataset(tmp_path, change)
    before = tree_digest(tmp_path / "data")
    proc = train(tmp_path, json_file, image_root)
    line = assert_one_error(proc, expected)
    assert f"({json_file}) has 1 error: " in line
    assert tree_digest(tmp_path / "data") == before
    assert not (tmp_path / "out" / "last_checkpoint").exists()
    if change is _larger_image:  # the command the line gives reports the same problem
        hint = run_hint(line)
        assert hint.returncode == 1 and "image size mismatch" in hint.stdout, hint.stderr


def test_images_outside_the_root_are_read_when_allowed(tmp_path):
    json_file, image_root = dataset(tmp_path, _escapes)
    proc = run_tool("check_dataset.py", "--json", json_file, "--images", image_root,
                    "--allow-outside-root", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0 and "0 errors" in proc.stdout, proc.stdout + proc.stderr
    proc = train(tmp_path, json_file, image_root, "DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT", True)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize(
    "change,processes,expected",
    [
        (_empty_image, 1, "b.png of dataset '{name}' cannot be read as an image (an empty file)"),
        (_larger_image, 1, "b.png of dataset '{name}' is 40x24 but the JSON says 32x24"),
        (_text_image, 2, "b.png of dataset '{name}' cannot be read as an image (not an image"),
    ],
)
def test_bad_images_met_while_training_are_one_line(tmp_path, change, processes, expected):
    json_file, image_root = dataset(tmp_path, change)
    proc = train(tmp_path, json_file, image_root, "DATASETS.IMAGE_HEADER_CHECK_LIMIT", 0,
                 "DATALOADER.NUM_WORKERS", 1, processes=processes)  # fmt: skip
    name = json.loads(proc.args[proc.args.index("DATASETS.REGISTER_COCO") + 1])[0][0]
    line = assert_one_error(proc, expected.format(name=name))
    assert line.startswith(f"error: image {image_root}/b.png") and "Check the whole dataset" in line


def test_bad_ground_truth_is_one_line_in_evaluate(tmp_path):
    json_file, _ = dataset(tmp_path, lambda data, folder: data["annotations"][0]["bbox"].pop())
    results = tmp_path / "results.json"
    results.write_text("[]")
    proc = run_tool("evaluate.py", "--gt", json_file, "--results", results, cwd=tmp_path)
    assert_one_error(proc, "is not usable as ground truth: 1 error: 1 bad annotation entry")
