"""tools/evaluate.py: offline evaluation of result files, a model, --out, and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.modeling import build_model

from gn_det.cli import evaluate, run_cli
from gn_det.evaluation.coco_eval import STAT_NAMES
from gn_det.evaluation.synthetic import synthetic_coco

from ..conftest import REPO, TINY_CONFIG, tiny_cfg
from ..evaluation.reference import pycocotools_eval

EVALUATE = str(REPO / "tools" / "evaluate.py")


def table_row(stdout, first_cell):
    """Cells of the first Markdown table row whose first cell is ``first_cell``."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{stdout}")


def call(capsys, *args):
    """(exit code, stdout, stderr) of the tool, in-process."""
    try:
        run_cli(evaluate.main, [str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = 0 if e.code is None else 1
        print(e.code, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """GT (polygons and crowd RLE) and results files, and their parsed contents."""
    root = tmp_path_factory.mktemp("eval")
    gt, results = synthetic_coco(25, max_dets=20, num_classes=5, width=240, height=180, seed=11,
                                 crowd_fraction=0.1)  # fmt: skip
    (root / "gt.json").write_text(json.dumps(gt))
    (root / "res.json").write_text(json.dumps(results))
    return root, gt, results


def test_offline_stats_equal_pycocotools_and_out_has_everything(files, tmp_path, capsys):
    root, gt, results = files
    out = tmp_path / "m.json"
    code, stdout, err = call(
        capsys, "--gt", root / "gt.json", "--results", root / "res.json", "--out", out
    )
    assert code == 0, err
    metrics = json.loads(out.read_text())
    assert metrics["gt"] == str(root / "gt.json")
    for task in ("bbox", "segm"):
        ref = pycocotools_eval(gt, results, task).stats
        ours = [metrics[task]["stats"][n] for n in STAT_NAMES]
        expected = [s * 100 if s >= 0 else None for s in ref]
        assert [o is None for o in ours] == [e is None for e in expected]
        np.testing.assert_allclose(
            [o for o in ours if o is not None], [e for e in expected if e is not None], atol=1e-7
        )
        assert table_row(stdout, task)[1:4] == [f"{s * 100:.2f}" for s in ref[:3]]
        assert len(metrics[task]["per_category_AP"]) == 5
        assert f"Per-category {task} AP:" in stdout
    assert "note:" not in stdout  # nothing converted or left out


def test_iou_type_selects_tasks(files, tmp_path, capsys):
    root, _, _ = files
    out = tmp_path / "m.json"
    args = ("--gt", root / "gt.json", "--results", root / "res.json", "--iou-type", "segm")
    code, stdout, _ = call(capsys, *args, "--out", out)
    assert code == 0
    assert "segm" in json.loads(out.read_text()) and "bbox" not in json.loads(out.read_text())
    assert "| bbox" not in stdout


def test_empty_results_report_zeros(files, tmp_path, capsys):
    root, _, _ = files
    (tmp_path / "empty.json").write_text("[]")
    code, stdout, err = call(
        capsys, "--gt", root / "gt.json", "--results", tmp_path / "empty.json",
        "--iou-type", "bbox", "segm",
    )  # fmt: skip
    assert code == 0, err
    assert "holds no results: every AP and AR is 0" in stdout
    assert table_row(stdout, "bbox")[1:4] == table_row(stdout, "segm")[1:4] == ["0.00"] * 3


def _bad(results, i, **change):
    bad = [dict(r) for r in results]
    bad[i].update(change)
    return bad


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda r: _bad(r, 3, image_id=777), "image_id absent from the ground truth in 1 result"),
        (lambda r: _bad(r, 4, category_id=11), "category_id absent from the ground truth"),
        (lambda r: _bad(r, 0, bbox=[1, 1, float("nan"), 2]), "not 4 finite numbers"),
        (lambda r: _bad(r, 0, bbox=[1, 1, 2, -2]), "negative width or height"),
        (
            lambda r: _bad(r, 1, segmentation={"size": [1, 1], "counts": "1"}),
            "size [1, 1], image is [180, 240]",
        ),
        (lambda r: _bad(r, 1, segmentation=[[1, 2, float("inf"), 4, 5, 6]]), "non-finite"),
        (lambda r: {"results": r}, "is not a COCO results file: top level is a dict"),
    ],
)
def test_bad_results_exit_with_one_line(files, tmp_path, capsys, make, expected):
    root, _, results = files
    (tmp_path / "bad.json").write_text(json.dumps(make(results)))
    code, _, err = call(capsys, "--gt", root / "gt.json", "--results", tmp_path / "bad.json")
    assert code == 1
    assert err.startswith(f"error: {tmp_path / 'bad.json'}") and expected in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "gt,expected",
    [
        ([], "1 not COCO (e.g. "),
        ({"images": [], "categories": []}, "1 no annotations list"),
        ("{broken", "is not valid JSON"),
    ],
)
def test_gt_that_is_not_coco(files, tmp_path, capsys, gt, expected):
    root, _, _ = files
    path = tmp_path / "gt.json"
    path.write_text(gt if isinstance(gt, str) else json.dumps(gt))
    code, _, err = call(capsys, "--gt", path, "--results", root / "res.json")
    assert code == 1 and expected in err


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--gt", "g.json"], "offline evaluation takes --gt and --results"),
        ([], "pass --config-file C MODEL.WEIGHTS W, or --gt"),
        (["--config-file", TINY_CONFIG], "a model needs its weights: add MODEL.WEIGHTS"),
        (["--config-file", TINY_CONFIG, "MODEL.WEIGHTS", "x.pth"], "MODEL.WEIGHTS x.pth does not"),
        (["--config-file", "no.yaml"], "config file no.yaml does not exist"),
    ],
)
def test_bad_arguments(args, expected, capsys):
    code, _, err = call(capsys, *args)
    assert code == 1 and expected in err


def test_model_evaluation_like_eval_only(small_shapes, tmp_path):
    """A (random) model on the config's test set: tables, inference files and --out."""
    val, json_file, image_root = small_shapes["val"]
    DetectionCheckpointer(build_model(tiny_cfg()), save_dir=str(tmp_path)).save("random")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "last_checkpoint").write_text("missing.pth")  # MODEL.WEIGHTS wins
    register = json.dumps([[val, json_file, image_root]])
    proc = subprocess.run(
        [sys.executable, EVALUATE, "--config-file", TINY_CONFIG, "--out", tmp_path / "m.json",
         "MODEL.WEIGHTS", tmp_path / "random.pth", "DATASETS.REGISTER_COCO", register,
         "DATASETS.TEST", f"('{val}',)", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0",
         "INPUT.MIN_SIZE_TEST", "96", "OUTPUT_DIR", tmp_path / "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert "Evaluation results for bbox" in log and "Evaluation results for segm" in log
    assert f"{val}:\nCOCO stats" in proc.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["dataset"] == val and metrics["weights"] == str(tmp_path / "random.pth")
    assert 0 <= metrics["segm"]["stats"]["AP"] <= 100
    inference = tmp_path / "out" / "inference"
    for name in ("coco_instances_results.json", "coco_segm_results.json", "coco_metrics.json"):
        assert (inference / name).is_file(), name


def test_two_cpu_processes_give_the_one_process_metrics(small_shapes, tmp_path):
    """--num-gpus 2 without CUDA: two gloo processes, predictions gathered, same stats."""
    val, json_file, image_root = small_shapes["val"]
    DetectionCheckpointer(build_model(tiny_cfg()), save_dir=str(tmp_path)).save("random")
    stats = []
    for n in (1, 2):
        proc = subprocess.run(
            [sys.executable, EVALUATE, "--config-file", TINY_CONFIG, "--num-gpus", str(n),
             "--out", tmp_path / f"m{n}.json", "MODEL.WEIGHTS", tmp_path / "random.pth",
             "DATASETS.REGISTER_COCO", json.dumps([[val, json_file, image_root]]),
             "DATASETS.TEST", f"('{val}',)", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0",
             "INPUT.MIN_SIZE_TEST", "96", "OUTPUT_DIR", tmp_path / f"out{n}"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        stats.append(json.loads((tmp_path / f"m{n}.json").read_text())["segm"]["stats"])
    assert stats[0] == pytest.approx(stats[1])
