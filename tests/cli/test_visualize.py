"""tools/visualize.py: predictions of a results file or a model drawn into PNGs."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.modeling import build_model

from gn_det.cli import run_cli, visualize

from ..conftest import REPO, TINY_CONFIG, tiny_cfg


def call(capsys, *args):
    """(exit code, stdout, stderr) of the tool's main, in-process."""
    try:
        run_cli(visualize.main, [str(a) for a in args])
        code = 0
    except SystemExit as e:
        code, message = (0, None) if e.code is None else (1, e.code)
        print(message, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def val_files(small_shapes, tmp_path_factory):
    """(gt json, image root, results json): results are the GT objects with scores."""
    _, json_file, image_root = small_shapes["val"]
    gt = json.loads(open(json_file).read())
    results = [
        {
            "image_id": a["image_id"],
            "category_id": a["category_id"],
            "bbox": a["bbox"],
            "segmentation": a["segmentation"],
            "score": 0.25 + 0.5 * (i % 2),  # every other result below 0.5
        }
        for i, a in enumerate(gt["annotations"])
    ]
    res = tmp_path_factory.mktemp("vis") / "results.json"
    res.write_text(json.dumps(results))
    return json_file, image_root, res, gt, results


def test_results_file_is_drawn_and_counts_are_told(val_files, tmp_path, capsys):
    json_file, image_root, res, gt, results = val_files
    code, out, err = call(
        capsys, "--results", res, "--gt", json_file, "--image-root", image_root,
        "--output", tmp_path, "--num", 3, "--scale", 2,
    )  # fmt: skip
    assert code == 0, err
    first3 = {img["id"] for img in gt["images"][:3]}
    mine = [r for r in results if r["image_id"] in first3]
    kept = sum(r["score"] >= 0.5 for r in mine)
    assert f"drew {kept} detections on 3 images" in out
    assert f"({len(mine) - kept} of {len(mine)} scored below --threshold 0.5, not drawn)" in out
    pngs = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in pngs] == [img["file_name"] for img in gt["images"][:3]]
    original = cv2.imread(f"{image_root}/{gt['images'][0]['file_name']}")
    drawn = cv2.imread(str(pngs[0]))
    assert drawn.shape[:2] == (2 * original.shape[0], 2 * original.shape[1])
    resized = cv2.resize(original, drawn.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    assert np.abs(drawn.astype(int) - resized).mean() > 1  # masks and boxes changed pixels


def test_model_predictions_are_drawn(small_shapes, tmp_path, capsys):
    name = small_shapes["val"][0]
    cfg = tiny_cfg()
    DetectionCheckpointer(build_model(cfg), save_dir=str(tmp_path)).save("random")
    code, out, err = call(
        capsys, "--config-file", TINY_CONFIG, "--dataset", name, "--output", tmp_path / "vis",
        "--num", 2, "--threshold", 0, "MODEL.WEIGHTS", tmp_path / "random.pth",
        "MODEL.ROI_HEADS.SCORE_THRESH_TEST", 0.0, "INPUT.MIN_SIZE_TEST", 96,
    )  # fmt: skip
    assert code == 0, err
    assert "on 2 images" in out and "(0 of " in out
    assert len(list((tmp_path / "vis").glob("*.png"))) == 2


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--results", "r.json"], "a results file takes --results, --gt and --image-root"),
        ([], "pass --config-file C MODEL.WEIGHTS W"),
        (["--config-file", "nope.yaml"], "config file nope.yaml does not exist"),
        (["--config-file", TINY_CONFIG, "MODEL.WEIGHTS", "no.pth"], "MODEL.WEIGHTS 'no.pth'"),
    ],
)
def test_bad_arguments(args, expected, tmp_path, capsys):
    code, _, err = call(capsys, "--output", tmp_path, *args)
    assert code == 1 and expected in err


def test_bad_results_and_missing_images(val_files, tmp_path, capsys):
    json_file, image_root, res, gt, results = val_files
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([dict(results[0], image_id=4242)]))
    code, _, err = call(
        capsys, "--results", bad, "--gt", json_file, "--image-root", image_root,
        "--output", tmp_path,
    )  # fmt: skip
    assert code == 1 and "image_id absent from the ground truth in 1 result" in err
    code, _, err = call(
        capsys, "--results", res, "--gt", json_file, "--image-root", tmp_path, "--output", tmp_path
    )
    assert code == 1 and f"image file {tmp_path}/{gt['images'][0]['file_name']}" in err


def test_cli_error_is_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "visualize.py"), "--output", tmp_path,
         "--results", tmp_path / "r.json", "--gt", tmp_path / "g.json", "--image-root", tmp_path],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert (
        proc.stderr.strip().splitlines()[-1] == f"error: GT file {tmp_path}/g.json does not exist"
    )
    assert "Traceback" not in proc.stderr


def test_an_unreadable_image_is_one_line(val_files, tmp_path, capsys):
    json_file, _, res, gt, _ = val_files
    broken = tmp_path / "images"
    broken.mkdir()
    (broken / gt["images"][0]["file_name"]).write_bytes(b"")
    code, _, err = call(
        capsys, "--results", res, "--gt", json_file, "--image-root", broken, "--output", tmp_path
    )
    assert code == 1 and err.strip().endswith(f"(image id {gt['images'][0]['id']}): an empty file")
