"""tools/compare_runs.py: the side-by-side table, Markdown, plots, and bad input."""

import json
import subprocess
import sys

import matplotlib.image
import pytest

from gn_det.cli import compare_runs, run_cli
from gn_det.evaluation.coco_eval import evaluate_coco, load_coco_gt
from gn_det.evaluation.metrics_file import write_metrics
from gn_det.evaluation.runs import load_run
from gn_det.evaluation.synthetic import synthetic_coco

from ..conftest import REPO

COMPARE = str(REPO / "tools" / "compare_runs.py")


def run(*args, cwd):
    """The tool in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, COMPARE, *map(str, args)], cwd=cwd, capture_output=True, text=True
    )


class Proc:
    """returncode, stdout and stderr of ``compare_runs.main`` called in-process (faster)."""

    def __init__(self, capsys, *args):
        try:
            run_cli(compare_runs.main, [str(a) for a in args])
            self.returncode = 0
        except SystemExit as e:
            self.returncode = 0 if e.code is None else 1
            print(e.code, file=sys.stderr)
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err


def _metrics(gt, results):
    coco_gt = load_coco_gt(gt)
    return {t: evaluate_coco(coco_gt, results, t) for t in ("bbox", "segm")}


def _train_log(folder, ap, iters=(0, 20, 40)):
    lines = [{"iteration": i, "total_loss": 2.0 - i / 40} for i in iters]
    lines.append({"iteration": iters[-1], "bbox/AP": ap, "bbox/AP50": ap + 20, "segm/AP": ap - 5})
    (folder / "metrics.json").write_text("\n".join(json.dumps(x) for x in lines) + "\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """frozenbn and gn: run folders; bn: a metrics file only; old: a metrics.json only."""
    root = tmp_path_factory.mktemp("runs")
    gt, results = synthetic_coco(20, max_dets=15, num_classes=4, width=200, height=150, seed=7)
    worse = [r for i, r in enumerate(results) if i % 3]  # fewer hits: lower recall and AP
    for name, res, ap in (("frozenbn", worse, 30.0), ("gn", results, 40.0)):
        folder = root / name
        (folder / "inference").mkdir(parents=True)
        _train_log(folder, ap)
        write_metrics(folder / "inference" / "coco_metrics.json", _metrics(gt, res), dataset="x")
    write_metrics(root / "bn.json", _metrics(gt, results[::2]), gt="gt.json")
    (root / "old").mkdir()
    _train_log(root / "old", 12.5)
    return root


def test_table_deltas_markdown_and_plots(runs, tmp_path):
    proc = run(
        runs / "frozenbn", runs / "gn", runs / "bn.json", runs / "old",
        "--baseline", "frozenbn", "--out-dir", tmp_path / "out", cwd=tmp_path,
    )  # fmt: skip
    tmp_path = tmp_path / "out"
    assert proc.returncode == 0, proc.stderr
    base = load_run(runs / "frozenbn").stats["bbox"]["AP"]
    gn = load_run(runs / "gn").stats["bbox"]["AP"]
    row = next(line for line in proc.stdout.splitlines() if line.startswith("bbox AP "))
    assert row.split() == [
        "bbox", "AP", f"{base:.2f}", f"{gn:.2f}", f"{gn - base:+.2f}",
        f"{load_run(runs / 'bn.json').stats['bbox']['AP']:.2f}",
        f"{load_run(runs / 'bn.json').stats['bbox']['AP'] - base:+.2f}",
        "12.50", f"{12.5 - base:+.2f}",
    ]  # fmt: skip
    assert gn > base
    header = proc.stdout.splitlines()[0].split()
    assert header[:4] == ["metric", "frozenbn", "(baseline)", "gn"]
    assert "segm APl" in proc.stdout
    md = (tmp_path / "comparison.md").read_text()
    assert md.startswith("| metric") and f" {gn - base:+.2f} |" in md
    assert "note: pr_curves.png: precision-recall curves: no data for old" in proc.stdout
    assert "note: training_curves.png: training curves: no data for bn" in proc.stdout
    assert "note: per_category_ap.png: per-category AP: no data for old" in proc.stdout
    sizes = {"pr_curves.png": (800, 1000), "training_curves.png": (450, 1200)}
    for name in ("pr_curves.png", "per_category_ap.png", "training_curves.png"):
        image = matplotlib.image.imread(tmp_path / name)
        assert image.std() > 0.01, name  # something is drawn
        if name in sizes:
            assert image.shape[:2] == sizes[name]


def test_markdown_labels_and_index_baseline(runs, tmp_path, capsys):
    proc = Proc(
        capsys, runs / "gn", runs / "frozenbn", "--labels", "GN", "FrozenBN", "--baseline", "1",
        "--markdown", "--out-dir", tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("| metric") and "FrozenBN (baseline)" in proc.stdout
    assert "note:" not in proc.stdout  # both runs have every plot's data


def test_labels_default_to_run_folders_and_are_made_unique(runs):
    assert load_run(runs / "gn" / "inference" / "coco_metrics.json").label == "gn"
    assert load_run(runs / "old" / "metrics.json").label == "old"
    assert load_run(runs / "bn.json").label == "bn"
    old = load_run(runs / "old")
    assert old.stats["bbox"] == {"AP": 12.5, "AP50": 32.5} and old.pr_curves == {}
    assert old.loss == [(0, 2.0), (20, 1.5), (40, 1.0)] and old.ap_curves["segm"] == [(40, 7.5)]


def test_cli_error_is_one_line_without_traceback(tmp_path):
    proc = run(tmp_path / "nope", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "nope does not exist" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda d: d / "missing", "missing does not exist"),
        (lambda d: d, "holds neither metrics.json nor inference/coco_metrics.json"),
        (lambda d: (d / "x.json").write_text("{oops") and d / "x.json", "line 1 is not JSON"),
        (lambda d: (d / "y.json").write_text('{"a": 1}') and d / "y.json", "no bbox or segm"),
        (
            lambda d: (
                (d / "z.json").write_text('{"format": "gn_det.coco_metrics/1", "bbox": 3}')
                and d / "z.json"
            ),
            "'bbox' holds no 'stats' object",
        ),
    ],
)
def test_bad_runs_exit_with_one_line(make, expected, tmp_path, capsys):
    proc = Proc(capsys, make(tmp_path))
    assert proc.returncode != 0 and proc.stderr.startswith("error: ")
    assert expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_baseline_and_labels(runs, tmp_path):
    proc = run(runs / "gn", runs / "old", "--baseline", "bn", cwd=tmp_path)
    assert (
        proc.returncode != 0 and "--baseline 'bn' is none of the runs: 'gn', 'old'" in proc.stderr
    )
    proc = run(runs / "gn", runs / "old", "--labels", "A", cwd=tmp_path)
    assert proc.returncode != 0 and "1 --labels for 2 runs" in proc.stderr
