"""detectron2's COCOEvaluator with its metrics computed by faster-coco-eval.

Kept from detectron2: ``process`` (predictions to COCO dicts), gathering every process's
predictions on the main one, ``instances_predictions.pth``, the conversion of non-COCO
datasets and the logged tables. Replaced: the metrics (pycocotools' numbers, several times
faster, without a compiled detectron2; not detectron2's approximate C++ path) and the result
files (``coco_instances_results.json`` as before, plus one file per task in the format of
the COCO evaluation server and ``coco_metrics.json``).
"""

import itertools
import json
import os
from types import SimpleNamespace

from detectron2.utils.file_io import PathManager
from faster_coco_eval import __version__ as faster_coco_eval_version

from ..compat.detectron2_private import COCOEvaluatorBase
from .coco_eval import IOU_TYPES, TASK_FIELDS, evaluate_coco, load_coco_gt, require_field
from .metrics_file import write_metrics

RESULTS_FILE = "coco_instances_results.json"  # detectron2's: boxes and masks together
TASK_RESULTS_FILE = "coco_{}_results.json"  # one task's fields only: COCO's upload format
METRICS_FILE = "coco_metrics.json"


class FastCOCOEvaluator(COCOEvaluatorBase):
    """COCO bbox/segm AP of a dataset, computed by faster-coco-eval; works in distributed runs.

    ``metrics`` holds the last evaluation's ``CocoMetrics`` per task. Besides detectron2's
    files, ``output_dir`` gets ``coco_{bbox,segm}_results.json`` in the format of the COCO
    evaluation server and ``coco_metrics.json`` (all stats, per-category AP, PR curves).
    """

    def __init__(
        self, dataset_name, tasks=None, distributed=True, output_dir=None, max_dets_per_image=None
    ):
        unsupported = set(tasks or ()) - set(IOU_TYPES)
        if unsupported:
            raise ValueError(f"FastCOCOEvaluator evaluates {IOU_TYPES}, not {sorted(unsupported)}")
        super().__init__(
            dataset_name, tasks, distributed, output_dir, max_dets_per_image=max_dets_per_image
        )
        self._dataset_name = dataset_name
        gt = self.coco_gt_dataset
        self._fast_gt = load_coco_gt(gt) if gt is not None else None
        self.metrics = {}

    def eval_predictions(self, predictions, img_ids=None):
        results = list(itertools.chain.from_iterable(p["instances"] for p in predictions))
        tasks = self.tasks or self.tasks_from_predictions(results)
        skipped = sorted(set(tasks) - set(IOU_TYPES))
        if skipped:
            self.logger.warning(f"Not evaluated (gn_det evaluates bbox and segm): {skipped}")
        tasks = sorted(set(tasks) & set(IOU_TYPES))
        for task in tasks:
            require_field(results, task)
        self._to_dataset_category_ids(results)
        if self.output_dir:
            self._write_results(results, tasks)
        if self._fast_gt is None:
            self.logger.info("Annotations are not available for evaluation.")
            return
        self.logger.info(
            f"Evaluating {len(results)} predictions with faster-coco-eval "
            f"{faster_coco_eval_version} (pycocotools' metrics) ..."
        )
        self.metrics = {}
        for task in tasks:
            metrics = evaluate_coco(
                self._fast_gt, results, task, img_ids, max_dets=self.max_dets_per_image
            )
            self.metrics[task] = metrics
            # detectron2's tables and per-category AP read only .stats and .eval["precision"].
            summary = SimpleNamespace(stats=metrics.stats, eval={"precision": metrics.precision})
            self.set_task_results(task, summary)
        if self.output_dir:
            path = os.path.join(self.output_dir, METRICS_FILE)
            write_metrics(path, self.metrics, dataset=self._dataset_name)
            self.logger.info(f"Saved all COCO stats and per-category AP to {path}")

    def _to_dataset_category_ids(self, results):
        """Map the model's contiguous class indices back to the dataset's category ids."""
        to_contiguous = self.metadata.get("thing_dataset_id_to_contiguous_id")
        if not to_contiguous:
            return
        to_dataset = {v: k for k, v in to_contiguous.items()}
        unknown = {r["category_id"] for r in results} - set(to_dataset)
        if unknown:
            raise ValueError(
                f"predicted classes {sorted(unknown)} are not among the {len(to_dataset)} classes "
                f"of dataset {self._dataset_name!r}"
            )
        for r in results:
            r["category_id"] = to_dataset[r["category_id"]]

    def _write_results(self, results, tasks):
        PathManager.mkdirs(self.output_dir)
        files = {RESULTS_FILE: results}
        for task in tasks:
            fields = TASK_FIELDS[task]
            files[TASK_RESULTS_FILE.format(task)] = [{k: r[k] for k in fields} for r in results]
        for name, data in files.items():
            path = os.path.join(self.output_dir, name)
            with PathManager.open(path, "w") as f:
                json.dump(data, f)
        self.logger.info(f"Saved {len(results)} results to {self.output_dir}: {', '.join(files)}")


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
