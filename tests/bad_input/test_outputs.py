"""Unusable output paths (``--out``, ``--output``, ``OUTPUT_DIR``, ``--output-dir``, ...) stop
every tool before it does any work: one ``error:`` line, nothing created or changed. The
cases run in one batch (``run_tools``), each in a copy of the same inputs."""

import json

import pytest
import torch

from ..coco.coco_sample import write_dataset
from ..conftest import REPO, TINY_CONFIG
from ..run_tools import run_tools
from .expect import assert_one_error, tree_digest


def make_inputs(folder):
    """A weights file, a COCO ground truth with its images and results, a file and folders to
    misuse as outputs."""
    torch.save({"model": {}}, folder / "w.pth")
    write_dataset(folder)
    results = [{"image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 8], "score": 0.9}]
    (folder / "res.json").write_text(json.dumps(results))
    (folder / "afile").write_text("not a folder")
    (folder / "adir").mkdir()
    (folder / "adir.pkl").mkdir()


MODEL = ["--config-file", TINY_CONFIG, "MODEL.WEIGHTS", "w.pth"]
LAZY_SHAPES = REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py"
CASES = {
    "train OUTPUT_DIR is a file": (
        "train_net.py", ["--config-file", TINY_CONFIG, "OUTPUT_DIR", "afile"],
        "OUTPUT_DIR afile exists and is not a folder"),
    "train OUTPUT_DIR under a file": (
        "train_net.py", ["--config-file", TINY_CONFIG, "OUTPUT_DIR", "afile/run"],
        "OUTPUT_DIR afile/run cannot be created: {inputs}/afile is a file"),
    "eval-only OUTPUT_DIR is a file": (
        "train_net.py", ["--eval-only", *MODEL, "OUTPUT_DIR", "afile"],
        "OUTPUT_DIR afile exists and is not a folder"),
    "lazyconfig train.output_dir is a file": (
        "lazyconfig_train_net.py", ["--config-file", LAZY_SHAPES, "train.output_dir=afile"],
        "train.output_dir afile exists and is not a folder"),
    "lazyconfig eval-only train.output_dir is a file": (
        "lazyconfig_train_net.py", ["--config-file", LAZY_SHAPES, "--eval-only",
                                    "train.init_checkpoint=w.pth", "train.output_dir=afile"],
        "train.output_dir afile exists and is not a folder"),
    "evaluate --out is a folder": (
        "evaluate.py", ["--out", "adir", *MODEL, "OUTPUT_DIR", "out"],
        "--out adir is a folder; give a file name"),
    "evaluate --out under a file": (
        "evaluate.py", ["--out", "afile/m.json", *MODEL, "OUTPUT_DIR", "out"],
        "--out afile/m.json cannot be written: {inputs}/afile is a file"),
    "evaluate OUTPUT_DIR is a file": (
        "evaluate.py", ["--out", "m.json", *MODEL, "OUTPUT_DIR", "afile"],
        "OUTPUT_DIR afile exists and is not a folder"),
    "evaluate results --out is a folder": (
        "evaluate.py", ["--gt", "ann.json", "--results", "res.json", "--out", "adir"],
        "--out adir is a folder; give a file name"),
    "visualize --output is a file": (
        "visualize.py", ["--output", "afile", *MODEL], "--output afile exists and is not a folder"),
    "pretrain --output-dir is a file": (
        "pretrain_backbone.py", ["--config-file", TINY_CONFIG, "--output-dir", "afile",
                                 "--num-images", 10],
        "--output-dir afile exists and is not a folder"),
    "sweep --output-dir is a file": (
        "sweep.py", ["--config-file", TINY_CONFIG, "--output-dir", "afile", "--norms", "GN",
                     "--batches", 2],
        "--output-dir afile exists and is not a folder"),
    "benchmark --json is a folder": (
        "benchmark.py", ["--config-file", TINY_CONFIG, "--json", "adir", "--norms", "GN"],
        "--json adir is a folder; give a file name"),
    "compare_runs --out-dir is a file": (
        "compare_runs.py", ["m.json", "--out-dir", "afile"],
        "--out-dir afile exists and is not a folder"),
    "convert_pretrained output is a folder": (
        "convert_pretrained.py", ["w.pth", "adir.pkl", "--format", "torchvision"],
        "output adir.pkl is a folder; give a file name"),
    "check_dataset --fix-out is a folder": (
        "check_dataset.py", ["--json", "ann.json", "--images", "img", "--fix-out", "adir"],
        "--fix-out adir is a folder; give a file name"),
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{case: (CompletedProcess, folder, snapshot before)} of every case, run in one batch."""
    calls, state = {}, {}
    for case, (tool, args, _) in CASES.items():
        folder = tmp_path_factory.mktemp("outputs")
        make_inputs(folder)
        state[case] = folder, tree_digest(folder)
        calls[case] = (tool, args, folder, None)
    procs = run_tools(calls)
    return {case: (procs[case], *state[case]) for case in calls}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_unusable_output_stops_the_tool_first(results, case):
    proc, folder, before = results[case]
    assert_one_error(proc, CASES[case][2].format(inputs=folder))
    assert tree_digest(folder) == before
