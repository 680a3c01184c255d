"""Time pycocotools and gn_det's evaluator (faster-coco-eval) side by side on synthetic data.

    python tools/bench_eval.py                    # COCO scale: 5000 images, <=100 dets, 80 classes
    python tools/bench_eval.py --num-images 500   # a quicker look

Ground truth has polygon masks of all COCO sizes and crowd regions (uncompressed RLE);
detections have boxes and compressed-RLE masks. Both libraries evaluate the same results
against the same indexed ground truth (loading the results, evaluate, accumulate,
summarize are timed); the tool checks that all 12 stats agree within --tolerance, prints
the speed ratio, and exits 1 if any stat differs.
"""

import argparse
import contextlib
import copy
import gc
import io
import time
from importlib.metadata import version

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from tabulate import tabulate

from ..evaluation.coco_eval import TASK_FIELDS, evaluate_coco, load_coco_gt
from ..evaluation.synthetic import synthetic_coco
from ..utils.cpu_threads import usable_cpus
from ..utils.errors import GNDetError
from .arguments import positive
from .runner import run_cli

EXPECTED_SPEEDUP = {"bbox": 10.0, "segm": 3.0}


def pycocotools_index(gt):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
    return coco


def time_pycocotools(coco_gt, results, task):
    """(seconds, stats) of pycocotools on the task's fields of ``results``."""
    dets = [{k: copy.deepcopy(r[k]) for k in TASK_FIELDS[task]} for r in results]
    gc.collect()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(dets), task)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return time.perf_counter() - start, np.asarray(coco_eval.stats)


def time_gn_det(coco_gt, results, task):
    """(seconds, stats) of gn_det's evaluate_coco (faster-coco-eval) on ``results``."""
    gc.collect()
    start = time.perf_counter()
    metrics = evaluate_coco(coco_gt, results, task)
    return time.perf_counter() - start, metrics.stats


def warm_up(tasks):
    """Run both once on a tiny set, so lazy imports are not timed."""
    gt, results = synthetic_coco(3, max_dets=5, num_classes=3, seed=1)
    for task in tasks:
        time_pycocotools(pycocotools_index(gt), results, task)
        time_gn_det(load_coco_gt(copy.deepcopy(gt)), results, task)


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num-images", type=positive(int), default=5000)
    p.add_argument(
        "--max-dets", type=positive(int), default=100, help="detections per image, at most"
    )
    p.add_argument("--num-classes", type=positive(int), default=80)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", nargs="+", choices=["bbox", "segm"], default=["bbox", "segm"])
    p.add_argument("--tolerance", type=float, default=1e-9, help="largest stat difference")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    cpus = usable_cpus()
    print(
        f"pycocotools {version('pycocotools')}, faster-coco-eval "
        f"{version('faster-coco-eval')}, {cpus} CPUs"
    )
    start = time.perf_counter()
    gt, results = synthetic_coco(args.num_images, args.max_dets, args.num_classes, seed=args.seed)
    crowd = sum(a["iscrowd"] for a in gt["annotations"])
    print(
        f"synthetic set: {len(gt['images'])} images, {args.num_classes} classes, "
        f"{len(gt['annotations'])} GT objects ({crowd} crowd), {len(results)} detections "
        f"(made in {time.perf_counter() - start:.1f}s)"
    )
    warm_up(args.tasks)
    rows, failed = [], False
    for task in args.tasks:
        ref_seconds, ref_stats = time_pycocotools(pycocotools_index(gt), results, task)
        our_seconds, our_stats = time_gn_det(load_coco_gt(copy.deepcopy(gt)), results, task)
        diff = float(np.max(np.abs(ref_stats - our_stats)))
        failed |= not diff <= args.tolerance
        ratio = ref_seconds / our_seconds
        expected = EXPECTED_SPEEDUP[task]
        rows.append(
            [task, f"{ref_seconds:.3f}", f"{our_seconds:.3f}", f"{ratio:.1f}x",
             f">={expected:.0f}x:{'ok' if ratio >= expected else 'below'}", f"{diff:.1e}",
             f"{our_stats[0]:.4f}"]
        )  # fmt: skip
    headers = ["task", "pycocotools s", "gn_det s", "speed-up", "expected", "max |Δ stat|", "AP"]
    print(tabulate(rows, headers, tablefmt="simple", disable_numparse=True))
    if failed:
        raise GNDetError(f"a stat differs from pycocotools by more than {args.tolerance}")
    print(f"all 12 stats agree within {args.tolerance}")


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
