"""How each use weighs the one checker's problems, and one verdict from its four consumers."""

import copy
import json
import uuid

import pytest
from detectron2.data import DatasetCatalog

from gn_det.cli import check_dataset, evaluate, run_cli
from gn_det.coco.problems import KINDS, POLICIES, SEVERITIES, errors_of, weigh
from gn_det.data import DatasetError, register_coco_format
from gn_det.data.quick_check import quick_check_datasets

from ..conftest import tiny_cfg
from .coco_sample import GOOD, add, check, put, write_dataset


def test_policies_weigh_known_kinds_with_known_severities():
    for use, policy in POLICIES.items():
        assert set(policy) <= set(KINDS), use
        assert set(policy.values()) <= {None, *SEVERITIES}, use
    assert all(severity in SEVERITIES for severity, _ in KINDS.values())


def _no_area(data, folder):
    del data["annotations"][1]["area"]


def _short_polygon(data, folder):
    data["annotations"][0]["segmentation"] = [[1, 1, 2, 2]]


@pytest.mark.parametrize(
    "mutate,errors_for",
    [
        (_no_area, {"dataset", "test", "eval-bbox", "eval-segm"}),
        (_short_polygon, {"dataset", "train", "test", "load", "eval-segm"}),
        (put("annotations", 0, "ignore", 1), {"dataset", "train", "test", "load"}),
        (put("images", 1, "file_name", "/etc/hosts"), {"dataset", "train", "test"}),
        (put("annotations", 0, "bbox", [2, 2, 0, 8]), set(POLICIES)),
    ],
)
def test_each_use_weighs_what_can_affect_it(tmp_path, mutate, errors_for):
    problems = check(tmp_path, mutate)
    assert {use for use in POLICIES if errors_of(problems, use)} == errors_for


def test_masks_are_required_for_segm_evaluation_only(tmp_path):
    problems = check(tmp_path, lambda data, folder: data["annotations"][1].pop("segmentation"))
    assert [p.severity for p in weigh(problems, "dataset")] == ["info"]
    assert errors_of(problems, "eval-segm") and not errors_of(problems, "eval-bbox")


def _write_gt(tmp_path, mutate):
    data = copy.deepcopy(GOOD)
    if mutate:
        mutate(data, tmp_path)
    return write_dataset(tmp_path, data)


def _check_dataset(json_file, image_root, capsys):
    try:
        run_cli(check_dataset.main, ["--json", json_file, "--images", image_root])
        rejected = False
    except SystemExit as e:
        rejected = e.code == 1
    return rejected, capsys.readouterr().out


def _quick_check(name):
    cfg = tiny_cfg("DATASETS.TRAIN", f"('{name}',)", "DATASETS.TEST", f"('{name}',)")
    try:
        quick_check_datasets(cfg)
        return False, ""
    except DatasetError as e:
        return True, str(e)


def _registration(name):
    try:
        DatasetCatalog.get(name)
        return False, ""
    except DatasetError as e:
        return True, str(e)


def _evaluate(json_file, tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps([]))
    args = ["--gt", json_file, "--results", results, "--iou-type", "bbox", "segm"]
    try:
        run_cli(evaluate.main, [str(a) for a in args])
        return False, ""
    except SystemExit as e:
        return True, str(e.code)


@pytest.mark.parametrize(
    "mutate,kind",
    [
        (None, None),
        (put("annotations", 0, "bbox", [2, 2, 0, 8]), "bad box size"),
        (put("annotations", 1, "bbox", [2, 2, 8]), "bad annotation entry"),
        (add("images", dict(GOOD["images"][0])), "duplicate image id"),
        (put("annotations", 2, "category_id", 9), "missing category"),
        (put("annotations", 2, "id", 1), "duplicate annotation id"),
        (put("annotations", 0, "segmentation", [[1, 1, 2, 2]]), "short polygon"),
        (put("annotations", 1, "segmentation", {"size": [24, 32], "counts": [5]}),
         "RLE wrong size"),
    ],
)  # fmt: skip
def test_the_same_ground_truth_gets_the_same_verdict_everywhere(tmp_path, capsys, mutate, kind):
    json_file, image_root = _write_gt(tmp_path, mutate)
    name = f"verdict_{uuid.uuid4().hex[:8]}"
    register_coco_format(name, json_file, image_root)
    verdicts = {
        "check_dataset": _check_dataset(json_file, image_root, capsys),
        "quick check": _quick_check(name),
        "registration": _registration(name),
        "evaluate.py": _evaluate(json_file, tmp_path),
    }
    assert {use: rejected for use, (rejected, _) in verdicts.items()} == dict.fromkeys(
        verdicts, kind is not None
    )
    if kind:
        for use, (_, message) in verdicts.items():
            assert kind in message, (use, message)
        for use in ("quick check", "registration", "evaluate.py"):  # one line: count and kind
            assert f"1 error: 1 {kind} (e.g. " in verdicts[use][1], verdicts[use][1]
