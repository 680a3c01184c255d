"""COCO evaluation as used by the train tool, and the AP summary read back from a run."""

import json
import os

from ..evaluation.evaluator import FastCOCOEvaluator


def build_coco_evaluator(cfg, dataset_name, output_folder=None):
    """gn_det's COCO evaluator (bbox, and segm with masks) on faster-coco-eval.

    Tasks come from the config, so a model with no predictions yet still reports segm.
    Files go to ``OUTPUT_DIR/inference``, or ``inference/<dataset>`` when DATASETS.TEST lists
    several, so one dataset's results do not overwrite another's.
    """
    if output_folder is None:
        output_folder = os.path.join(cfg.OUTPUT_DIR, "inference")
        if len(cfg.DATASETS.TEST) > 1:
            output_folder = os.path.join(output_folder, dataset_name)
    tasks = ("bbox", "segm") if cfg.MODEL.MASK_ON else ("bbox",)
    return FastCOCOEvaluator(dataset_name, tasks=tasks, output_dir=output_folder)


def read_final_metrics(metrics_json):
    """The last bbox/segm AP logged to a run's metrics.json, as {"bbox": AP, "segm": AP}."""
    final = {}
    with open(metrics_json) as f:
        for line in f:
            record = json.loads(line)
            for task in ("bbox", "segm"):
                if f"{task}/AP" in record:
                    final[task] = record[f"{task}/AP"]
    return final


def task_ap(results):
    """{"bbox": AP, "segm": AP} from detectron2 evaluation results of one dataset."""
    return {task: results[task]["AP"] for task in ("bbox", "segm") if task in results}


def final_ap_line(ap, label):
    """One line such as ``demo: bbox AP 55.2 segm AP 51.0`` from {"bbox": AP, "segm": AP}."""
    return f"{label}: " + " ".join(f"{t} AP {ap[t]:.1f}" for t in ("bbox", "segm") if t in ap)
