"""``Trainer``: detectron2's DefaultTrainer with gn_det's guarantees, used by the train tools."""

import logging

import detectron2.utils.comm as comm
from detectron2.data import DatasetMapper, build_detection_test_loader
from detectron2.engine import DefaultTrainer, hooks

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..compat.detectron2_private import FirstGroupLRScheduler, last_eval_results
from ..data.image_guard import GuardedLoader, GuardedMapper
from ..data.resumable_loader import build_resumable_train_loader
from ..evaluation.evaluator import build_coco_evaluator
from ..evaluation.summary import final_ap_line, task_ap
from .divergence import DivergenceGuard
from .final_eval import without_eval_after_failure
from .optimizer import build_optimizer
from .resume import ExactResumeHook
from .stop_report import StopReport

logger = logging.getLogger("gn_det")


def guarded_hooks(hooks, loader, checkpoint_period, hints=None):
    """detectron2's training ``hooks`` with gn_det's guarantees around them: exact resume
    (first), the divergence stop (``hints``: RecoveryHints, default from the trainer's YAML
    config) and the stop report (Ctrl-C, full disk) last; no final evaluation after a failure
    (FinalEvalHook). The order matters: see ExactResumeHook, DivergenceGuard and StopReport."""
    return [
        ExactResumeHook(loader, checkpoint_period),
        *without_eval_after_failure(hooks),
        DivergenceGuard(hints),
        StopReport(hints.output_dir if hints else None),
    ]


class Trainer(DefaultTrainer):
    """DefaultTrainer with COCO bbox + segm evaluation, SOLVER.NORM_LR_FACTOR, code-free and
    crash-safe checkpoints, exact resume (optimizer, data order, random state), a stop on
    divergence, one error line for an image that cannot be read, and one line saying how to
    resume after Ctrl-C or a full disk."""

    def build_hooks(self):
        # Called by DefaultTrainer.__init__ right after it makes its checkpointer.
        allow = self.cfg.MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS
        self.checkpointer = GNDetCheckpointer.like(self.checkpointer, allow_missing_backbone=allow)
        period = self.cfg.SOLVER.CHECKPOINT_PERIOD
        stock = [
            FirstGroupLRScheduler() if type(h) is hooks.LRScheduler else h
            for h in super().build_hooks()
        ]
        return guarded_hooks(stock, self.data_loader, period)

    @classmethod
    def build_optimizer(cls, cfg, model):
        return build_optimizer(cfg, model)

    @classmethod
    def build_train_loader(cls, cfg):
        return build_resumable_train_loader(cfg)

    @classmethod
    def build_test_loader(cls, cfg, dataset_name):
        mapper = GuardedMapper(DatasetMapper(cfg, False), [dataset_name])
        return GuardedLoader(build_detection_test_loader(cfg, dataset_name, mapper=mapper))

    @classmethod
    def build_evaluator(cls, cfg, dataset_name, output_folder=None):
        return build_coco_evaluator(cfg, dataset_name, output_folder)

    @property
    def last_eval_results(self):
        """The results of the last evaluation during training (None if none ran)."""
        return last_eval_results(self)


def summarize(dataset_names, results):
    """Log one AP line per test dataset (main process only); ``results`` are detectron2's:
    one dataset's, or {name: results} for several."""
    if not comm.is_main_process() or not results:
        return
    names = list(dataset_names)
    per_dataset = results if len(names) > 1 else {names[0]: results}
    for name, res in per_dataset.items():
        logger.info(final_ap_line(task_ap(res), name))
