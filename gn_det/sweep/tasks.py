"""What a cell runs and what it reports, for detection, classification pretraining and config
variants (e.g. the carry-over study's fine-tunings).

Detection cells run ``python -m gn_det.cli.train_net`` (metric: COCO bbox and segm AP from
the run's ``metrics.json``, learning curve from its ``TEST.EVAL_PERIOD`` evaluations);
classification cells run ``python -m gn_det.cli.pretrain_backbone`` (metric: top-1 error from
``results.json``, learning curve from the evaluation of every epoch in ``metrics.json``).
Each cell is a normal run of that tool (the same as ``tools/<tool>.py``) in its own folder,
from the installed gn_det; a cell's seed is the ``SEED`` config key, which seeds the model's
initialization, the data order and the augmentation of both tools.
"""

import json
import os
import sys
from dataclasses import dataclass, replace

from ..evaluation.summary import logged_values, read_final_metrics
from .grid import Cell, SweepError, check_seeds, with_seeds
from .schedule import BaseSchedule
from .validate import load_base_config

# metrics.json keys of each metric's evaluations
CURVE_KEYS = {"bbox_ap": "bbox/AP", "segm_ap": "segm/AP", "top1_error": "top1_error"}

# What MODEL.WEIGHTS may name, filled in per cell: fine-tuning from the pretraining run of the
# cell's norm (``{norm}``, e.g. ``pretrain/{norm}_b32_s{pretrain_seed}/backbone.pkl``).
WEIGHT_FIELDS = ("{norm}", "{pretrain_seed}")


def weights_template(weights):
    """``weights`` if it names a per-cell field (WEIGHT_FIELDS), else "" (the same file for
    every cell: the config loads it as usual)."""
    return weights if any(f in weights for f in WEIGHT_FIELDS) else ""


def fill_weights(template, cell):
    """The MODEL.WEIGHTS ``cell`` loads: ``template`` with its norm and pretraining seed."""
    return template.replace("{norm}", cell.norm).replace("{pretrain_seed}", str(cell.pretrain_seed))


def read_curve(folder, metrics, max_iter=0):
    """[(iterations done, metric, value)] of every evaluation a run logged to its metrics.json
    (``logged_values``: the last record of an iteration wins, the final one at ``max_iter``)."""
    keys = [CURVE_KEYS[metric] for metric in metrics]
    logged = logged_values(os.path.join(folder, "metrics.json"), keys, max_iter)
    points = {(it, m): v for m in metrics for it, v in logged[CURVE_KEYS[m]].items()}
    return [(it, metric, value) for (it, metric), value in sorted(points.items())]


class DetectionTask:
    """Mask R-CNN training + COCO evaluation per cell; finished = final checkpoint and AP."""

    name = "detection"
    tool = "gn_det.cli.train_net"
    metrics = ("bbox_ap", "segm_ap")
    lower_is_better = False
    labels = {"bbox_ap": "box AP", "segm_ap": "mask AP"}
    default_base = (0, 0.0)  # base (batch, LR) of the LR scaling: the config's SOLVER

    def __init__(self, config_file, opts, schedule, tool_args=(), weights=""):
        self.config_file, self.opts, self.schedule = config_file, list(opts), schedule
        self.tool_args = list(tool_args)  # more arguments of the tool, e.g. --num-gpus 2
        self.weights = weights_template(weights)  # per-cell MODEL.WEIGHTS, or ""

    def config_for(self, cell):
        """The config file ``cell`` trains with."""
        return self.config_file

    def schedule_for(self, cell):
        return self.schedule

    def weights_for(self, cell):
        """The pretrained weights ``cell`` loads ("" if MODEL.WEIGHTS names no per-cell
        field)."""
        return fill_weights(self.weights, cell) if self.weights else ""

    def weights_opts(self, cell):
        weights = self.weights_for(cell)
        return ["MODEL.WEIGHTS", weights] if weights else []

    def cell_opts(self, cell):
        """The ``KEY VALUE`` overrides of a cell (user opts first, the cell's last)."""
        solver = self.schedule_for(cell).solver_opts(cell.batch)
        return [*self.opts, *cell.norm_opts(), *self.weights_opts(cell), *solver,
                *cell.seed_opts()]  # fmt: skip

    def command(self, cell, folder, resume):
        """The argv that trains ``cell`` into ``folder``."""
        argv = [sys.executable, "-m", self.tool, "--config-file", self.config_for(cell)]
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

    def epochs_twin(self, cell):
        """At the base batch an equal-iterations cell trains exactly as its equal-epochs twin
        (same iterations, LR, warm-up, evaluations and seed): that twin cell, else None."""
        schedule = self.schedule_for(cell)
        if schedule.equal != "iters" or cell.batch != schedule.batch:
            return None
        return replace(cell, schedule=schedule.label.replace("iters", "epochs", 1))

    def twin_length(self, cell):
        """``epochs_or_iters`` of ``cell``'s epochs twin: the same iterations."""
        return self.describe(cell)["epochs_or_iters"]

    def describe(self, cell):
        """Schedule facts of a cell for results.csv."""
        opts = dict(zip(*[iter(self.schedule_for(cell).solver_opts(cell.batch))] * 2))
        iters = opts["SOLVER.MAX_ITER"]
        return {"lr": opts["SOLVER.BASE_LR"], "iters": iters, "epochs_or_iters": f"{iters}it"}

    def curve(self, folder, cell):
        """The run's learning curve: [(iteration, epoch or None, metric, value)]."""
        max_iter = int(self.describe(cell)["iters"])
        return [(it, None, m, v) for it, m, v in read_curve(folder, self.metrics, max_iter)]


class ClassificationTask(DetectionTask):
    """Backbone classification pretraining per cell; finished = results.json status done.

    ``--schedule iters`` runs every cell for the iterations of ``epochs`` at the base batch
    (``--schedule-batch``); ``scale`` multiplies the epochs."""

    name = "classification"
    tool = "gn_det.cli.pretrain_backbone"
    metrics = ("top1_error",)
    lower_is_better = True
    labels = {"top1_error": "top-1 error (%)"}
    default_base = (32, 0.05)  # tools/pretrain_backbone.py's own --batch-size and --lr
    default_epochs = 8  # tools/pretrain_backbone.py's --epochs

    def __init__(self, config_file, opts, schedule, tool_args=(), epochs=0, data=""):
        super().__init__(config_file, opts, schedule, tool_args)
        self.epochs, self.data = epochs, data
        scaled = (epochs or self.default_epochs) * schedule.scale
        if abs(scaled - round(scaled)) > 1e-9 or round(scaled) < 1:
            raise SweepError(
                f"--epochs {epochs or self.default_epochs} x --schedule-scale {schedule.scale:g}"
                " is not a whole number of epochs"
            )
        self.cell_epochs = int(round(scaled))

    def cell_opts(self, cell):
        return [*self.opts, *cell.norm_opts(), *cell.seed_opts()]

    def command(self, cell, folder, resume):
        argv = [sys.executable, "-m", self.tool, "--config-file", self.config_file]
        argv += ["--output-dir", str(folder), "--batch-size", str(cell.batch)]
        argv += ["--lr", f"{self.schedule.lr_for(cell.batch):.6g}"]
        if self.epochs or self.schedule.scale != 1:
            argv += ["--epochs", str(self.cell_epochs)]
        if self.schedule.equal == "iters":
            argv += ["--schedule-batch", str(self.schedule.batch)]
        argv += ["--data", self.data] if self.data else []
        argv += self.tool_args + (["--resume"] if resume else [])
        return argv + self.cell_opts(cell)

    def twin_length(self, cell):
        return f"{self.cell_epochs}ep"

    def _results(self, folder):
        path = os.path.join(folder, "results.json")
        if not os.path.isfile(path):
            return None
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def result(self, folder):
        data = self._results(folder)
        if data is None or data.get("status") != "done" or "top1_error" not in data:
            return None
        wall = {"wall_s": data["wall_s"]} if data.get("wall_s") is not None else {}
        return {"top1_error": data["top1_error"], **wall}

    def describe(self, cell):
        if self.schedule.equal == "iters":
            unit = f"{self.cell_epochs}ep@b{self.schedule.batch}"  # iterations of that
        else:
            unit = f"{self.cell_epochs}ep"
        return {
            "lr": f"{self.schedule.lr_for(cell.batch):.6g}",
            "iters": "",
            "epochs_or_iters": unit,
        }

    def curve(self, folder, cell):
        """Epochs are counted as pretrain_backbone does: ``num_train // batch`` iterations."""
        data = self._results(folder) or {}
        per_epoch = None
        if isinstance(data.get("num_train"), int) and data["num_train"] > 0:
            per_epoch = max(data["num_train"] // cell.batch, 1)
        max_iter = data.get("iterations") if isinstance(data.get("iterations"), int) else 0
        return [
            (it, it / per_epoch if per_epoch else None, m, v)
            for it, m, v in read_curve(folder, self.metrics, max_iter)
        ]


@dataclass(frozen=True)
class Variant:
    """A detection config to fine-tune as it is; ``MODEL.WEIGHTS`` may name
    ``{pretrain_seed}``, filled in per cell with each of the sweep's pretraining seeds."""

    label: str
    config_file: str
    schedule: object  # BaseSchedule of this config
    norm: str  # the backbone's norm while fine-tuning (for runs.csv)
    batch: int
    weights: str  # MODEL.WEIGHTS with the {pretrain_seed} placeholder, or ""

    @property
    def pretrained(self):
        return "{pretrain_seed}" in self.weights


def backbone_norm(cfg):
    """The norm the backbone trains with: MODEL.NORM.TYPE if it covers the backbone, else
    MODEL.RESNETS.NORM (``GN+WS`` with Weight Standardization)."""
    norm = cfg.MODEL.NORM
    kind = norm.TYPE if norm.TYPE and "backbone" in norm.PARTS else cfg.MODEL.RESNETS.NORM
    return f"{kind}+WS" if kind == norm.TYPE and norm.WS else kind


class VariantTask(DetectionTask):
    """Detection fine-tunings of config variants x pretraining seeds x seeds; the config sets
    norm, batch and learning rate, the sweep only the schedule length, seed and weights."""

    def __init__(self, variants, opts, tool_args=()):
        first = next(iter(variants.values()))
        super().__init__(first.config_file, opts, first.schedule, tool_args)
        self.variants = variants

    def config_for(self, cell):
        return self.variants[cell.variant].config_file

    def schedule_for(self, cell):
        return self.variants[cell.variant].schedule

    def weights_for(self, cell):
        """The pretrained weights ``cell`` loads ("" if its config's MODEL.WEIGHTS has no
        {pretrain_seed})."""
        variant = self.variants[cell.variant]
        return fill_weights(variant.weights, cell) if variant.pretrained else ""

    def cell_opts(self, cell):
        solver = self.variants[cell.variant].schedule.solver_opts(cell.batch)
        return [*self.opts, *self.weights_opts(cell), *solver, *cell.seed_opts()]


def load_variants(config_files, opts, scale=1.0, evals=0):
    """{label: Variant} of ``config_files`` (label: the file name without ``.yaml``), each
    with its own SOLVER schedule times ``scale`` (and ``evals`` evaluations per run)."""
    variants = {}
    for path in config_files:
        label = os.path.splitext(os.path.basename(path))[0]
        if label in variants:
            raise SweepError(f"--configs: two configs are named {label!r}; rename one")
        cfg = load_base_config(path, opts, flag="--configs")
        schedule = BaseSchedule.from_config(cfg, scale=scale, evals=evals)
        variants[label] = Variant(
            label, path, schedule, backbone_norm(cfg), cfg.SOLVER.IMS_PER_BATCH, cfg.MODEL.WEIGHTS
        )
    return variants


def variant_cells(variants, pretrain_seeds, seeds, schedule):
    """Cells of every seed x pretraining seed x variant (variants without ``{pretrain_seed}``
    in their weights get no pretraining seed)."""
    check_seeds("--pretrain-seeds", pretrain_seeds)
    cells = []
    for p in dict.fromkeys(pretrain_seeds or [None]):
        for v in variants.values():
            if v.pretrained and p is None:
                raise SweepError(
                    f"{v.config_file}: MODEL.WEIGHTS {v.weights} names {{pretrain_seed}}; "
                    "give --pretrain-seeds"
                )
            cell = Cell(v.norm, v.batch, variant=v.label, pretrain_seed=p if v.pretrained else None)
            if cell not in cells:
                cells.append(cell)
    return with_seeds(cells, seeds, schedule)


TASKS = {t.name: t for t in (DetectionTask, ClassificationTask)}
