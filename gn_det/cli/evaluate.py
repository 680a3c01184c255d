"""COCO bbox/segm evaluation of a model, or of a results file, with faster-coco-eval.

    python tools/evaluate.py --config-file C MODEL.WEIGHTS W [--out metrics.json]
    python tools/evaluate.py --gt GT.json --results RES.json [--iou-type bbox segm] [--out M.json]

A model is evaluated on the config's DATASETS.TEST, as by ``train_net.py --eval-only``
(``--num-gpus`` etc. work the same). The console shows the 12 COCO stats and per-category
AP; ``--out`` writes them, with precision-recall curves, as JSON for tools/compare_runs.py.
"""

import os

import detectron2.utils.comm as comm
from detectron2.engine import DefaultTrainer, default_argument_parser

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..checkpoint.weights import check_weights
from ..engine.setup import load_config, setup_cfg
from ..evaluation.coco_eval import evaluate_coco, load_coco_gt
from ..evaluation.errors import EvaluationInputError
from ..evaluation.evaluator import build_coco_evaluator
from ..evaluation.metrics_file import write_metrics
from ..evaluation.report import format_report
from ..evaluation.results_check import check_gt, check_results, infer_iou_types, read_json
from ..utils.output_paths import check_output_dir, check_output_file
from .arguments import parse_args
from .run_folder import launch_in_folder
from .runner import run_cli


def evaluate_files(args):
    """Offline: check the GT and results files, evaluate each task, print and write metrics."""
    gt = read_json(args.gt, "GT")
    results = read_json(args.results, "results")
    iou_types = tuple(dict.fromkeys(args.iou_type or infer_iou_types(results, args.results)))
    check_gt(gt, args.gt, iou_types)
    results, notes = check_results(results, gt, args.results, iou_types)
    for note in notes:
        print(f"note: {note}")
    coco_gt = load_coco_gt(gt)
    metrics = {t: evaluate_coco(coco_gt, results, t) for t in iou_types}
    print(f"{args.results}: {len(results)} results on {len(gt['images'])} images of {args.gt}")
    print(format_report(metrics))
    if args.out:
        write_metrics(args.out, metrics, gt=args.gt, results=args.results)
        print(f"wrote {args.out}")


def evaluate_model(args):
    """A model on DATASETS.TEST (every process runs this; the main one reports)."""
    cfg = setup_cfg(args)
    model = DefaultTrainer.build_model(cfg)
    checkpointer = GNDetCheckpointer.for_config(model, cfg)
    checkpointer.resume_or_load(cfg.MODEL.WEIGHTS, resume=False)  # the weights given, always
    evaluators = [build_coco_evaluator(cfg, name) for name in cfg.DATASETS.TEST]
    DefaultTrainer.test(cfg, model, evaluators)
    if not comm.is_main_process():
        return
    for name, evaluator in zip(cfg.DATASETS.TEST, evaluators):
        print(f"{name}:\n{format_report(evaluator.metrics)}")
        if args.out:
            out = out_files(args.out, cfg.DATASETS.TEST)[name]
            write_metrics(out, evaluator.metrics, dataset=name, weights=cfg.MODEL.WEIGHTS)
            print(f"wrote {out}")


def out_files(out, datasets):
    """{dataset: the --out file of its metrics}: ``out`` itself for one dataset, else
    ``<out>_<dataset>.json`` each."""
    if len(datasets) == 1:
        return {datasets[0]: out}
    return {name: f"{os.path.splitext(out)[0]}_{name}.json" for name in datasets}


def parser():
    p = default_argument_parser()
    p.description = __doc__.split("\n")[0]
    p.add_argument("--gt", help="COCO ground-truth JSON (offline evaluation)")
    p.add_argument("--results", help="COCO results JSON to evaluate against --gt")
    p.add_argument("--iou-type", nargs="+", choices=["bbox", "segm"], help="default: from results")
    p.add_argument("--out", help="write all stats, per-category AP and PR curves to this JSON")
    return p


def main(argv=None):
    args = parse_args(parser(), argv)
    offline = bool(args.gt or args.results)
    if offline and (not (args.gt and args.results) or args.config_file):
        raise EvaluationInputError(
            "offline evaluation takes --gt and --results, and no --config-file"
        )
    if not offline and not args.config_file:
        raise EvaluationInputError(
            "pass --config-file C MODEL.WEIGHTS W, or --gt GT.json --results RES.json"
        )
    if offline:
        if args.out:
            check_output_file(args.out, "--out")
        return evaluate_files(args)
    cfg = load_config(args.config_file, args.opts)
    if not cfg.MODEL.WEIGHTS:
        raise EvaluationInputError("a model needs its weights: add MODEL.WEIGHTS path/to/model.pth")
    check_weights(cfg.MODEL.WEIGHTS)
    for out in out_files(args.out, cfg.DATASETS.TEST).values() if args.out else ():
        check_output_file(out, "--out")
    check_output_dir(cfg.OUTPUT_DIR, "OUTPUT_DIR")  # the evaluator's result files
    launch_in_folder(cfg.OUTPUT_DIR, "OUTPUT_DIR", evaluate_model, args, cfg)


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
