"""What a cell runs and what it reports, for detection and for classification pretraining.

Detection cells run ``python -m gn_det.cli.train_net`` (metric: COCO bbox and segm AP from
the run's ``metrics.json``); classification cells run ``python -m gn_det.cli.pretrain_backbone``
(metric: top-1 error from ``results.json``). Each cell is a normal run of that tool (the same
as ``tools/<tool>.py``) in its own folder, from the installed gn_det.
"""

import json
import os
import sys

from ..evaluation.summary import read_final_metrics


class DetectionTask:
    """Mask R-CNN training + COCO evaluation per cell; finished = final checkpoint and AP."""

    name = "detection"
    tool = "gn_det.cli.train_net"
    metrics = ("bbox_ap", "segm_ap")
    lower_is_better = False
    labels = {"bbox_ap": "box AP", "segm_ap": "mask AP"}
    default_base = (0, 0.0)  # base (batch, LR) of the LR scaling: the config's SOLVER

    def __init__(self, config_file, opts, schedule, tool_args=()):
        self.config_file, self.opts, self.schedule = config_file, list(opts), schedule
        self.tool_args = list(tool_args)  # more arguments of the tool, e.g. --num-gpus 2

    def cell_opts(self, cell):
        """The ``KEY VALUE`` overrides of a cell (user opts first, the cell's last)."""
        return [*self.opts, *cell.norm_opts(), *self.schedule.solver_opts(cell.batch)]

    def command(self, cell, folder, resume):
        """The argv that trains ``cell`` into ``folder``."""
        argv = [sys.executable, "-m", self.tool, "--config-file", self.config_file]
        argv += self.tool_args + (["--resume"] if resume else [])
        return argv + [*self.cell_opts(cell), "OUTPUT_DIR", str(folder)]

    def result(self, folder):
        """{"bbox_ap": .., "segm_ap": ..} of a finished run, or None if unfinished."""
        metrics = os.path.join(folder, "metrics.json")
        if not (
            os.path.isfile(os.path.join(folder, "model_final.pth")) and os.path.isfile(metrics)
        ):
            return None
        final = read_final_metrics(metrics)
        if "bbox" not in final:
            return None
        return {f"{task}_ap": final[task] for task in ("bbox", "segm") if task in final}

    def describe(self, cell):
        """Schedule facts of a cell for results.csv."""
        opts = dict(zip(*[iter(self.schedule.solver_opts(cell.batch))] * 2))
        return {"lr": opts["SOLVER.BASE_LR"], "iters": opts["SOLVER.MAX_ITER"]}


class ClassificationTask(DetectionTask):
    """Backbone classification pretraining per cell; finished = results.json status done."""

    name = "classification"
    tool = "gn_det.cli.pretrain_backbone"
    metrics = ("top1_error",)
    lower_is_better = True
    labels = {"top1_error": "top-1 error (%)"}
    default_base = (32, 0.05)  # tools/pretrain_backbone.py's own --batch-size and --lr

    def __init__(self, config_file, opts, schedule, tool_args=(), epochs=0, data=""):
        super().__init__(config_file, opts, schedule, tool_args)
        self.epochs, self.data = epochs, data

    def cell_opts(self, cell):
        return [*self.opts, *cell.norm_opts()]

    def command(self, cell, folder, resume):
        argv = [sys.executable, "-m", self.tool, "--config-file", self.config_file]
        argv += ["--output-dir", str(folder), "--batch-size", str(cell.batch)]
        argv += ["--lr", f"{self.schedule.lr_for(cell.batch):.6g}"]
        argv += ["--epochs", str(self.epochs)] if self.epochs else []
        argv += ["--data", self.data] if self.data else []
        argv += self.tool_args + (["--resume"] if resume else [])
        return argv + self.cell_opts(cell)

    def result(self, folder):
        path = os.path.join(folder, "results.json")
        if not os.path.isfile(path):
            return None
        with open(path) as f:
            data = json.load(f)
        if data.get("status") != "done" or "top1_error" not in data:
            return None
        wall = {"wall_s": data["wall_s"]} if data.get("wall_s") is not None else {}
        return {"top1_error": data["top1_error"], **wall}

    def describe(self, cell):
        return {"lr": f"{self.schedule.lr_for(cell.batch):.6g}", "iters": ""}


TASKS = {t.name: t for t in (DetectionTask, ClassificationTask)}
