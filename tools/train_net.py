#!/usr/bin/env python
"""Train or evaluate a gn_det Mask R-CNN with detectron2's DefaultTrainer.

    python tools/train_net.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml
    python tools/train_net.py --config-file configs/COCO/mask_rcnn_R_50_FPN_3x_gn.yaml --num-gpus 8
    python tools/train_net.py --config-file C --eval-only MODEL.WEIGHTS output/model_final.pth

Multi-GPU and multi-machine runs go through detectron2's ``launch``; without CUDA,
``--num-gpus N`` starts N CPU processes (gloo). GN needs no cross-GPU synchronisation
(unlike SyncBN): each GPU normalizes its own images.
"""

import logging
import os
import sys

import detectron2.utils.comm as comm
from detectron2.engine import DefaultTrainer, default_argument_parser

import gn_det  # noqa: F401  (registers GNDetRCNN and the shapes datasets)
from gn_det.data import DatasetError
from gn_det.data.resumable_loader import build_resumable_train_loader
from gn_det.engine import (
    ConfigError,
    GNDetCheckpointer,
    UnsafeCheckpointError,
    WeightsMismatchError,
    build_coco_evaluator,
    final_ap_line,
    load_config,
    setup_cfg,
    task_ap,
)
from gn_det.engine.checkpoint import CheckpointError
from gn_det.engine.divergence import DivergenceError, DivergenceGuard
from gn_det.engine.launch import LaunchError, launch_from_args
from gn_det.engine.preflight import preflight
from gn_det.engine.resume import ExactResumeHook
from gn_det.modeling import NormConfigError

logger = logging.getLogger("gn_det")
# Errors caused by input (config, data, files) or divergence: one line, no traceback.
CLEAN_ERRORS = (
    ConfigError,
    NormConfigError,
    DatasetError,
    UnsafeCheckpointError,
    CheckpointError,
    DivergenceError,
    WeightsMismatchError,
)


class Trainer(DefaultTrainer):
    """DefaultTrainer with COCO bbox + segm evaluation, code-free and crash-safe checkpoints,
    exact resume (optimizer, data order, random state) and a stop on divergence."""

    def build_hooks(self):
        # Called by DefaultTrainer.__init__ right after it makes its checkpointer.
        allow = self.cfg.MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS
        self.checkpointer = GNDetCheckpointer.like(self.checkpointer, allow_missing_backbone=allow)
        resume = ExactResumeHook(self.data_loader, self.cfg.SOLVER.CHECKPOINT_PERIOD)
        # The order matters: see ExactResumeHook and DivergenceGuard.
        return [resume, *super().build_hooks(), DivergenceGuard()]

    @classmethod
    def build_train_loader(cls, cfg):
        return build_resumable_train_loader(cfg)

    @classmethod
    def build_evaluator(cls, cfg, dataset_name, output_folder=None):
        return build_coco_evaluator(cfg, dataset_name, output_folder)


def summarize(cfg, results):
    """Log one AP line per test dataset (main process only)."""
    if not comm.is_main_process() or not results:
        return
    per_dataset = results if len(cfg.DATASETS.TEST) > 1 else {cfg.DATASETS.TEST[0]: results}
    for name, res in per_dataset.items():
        logger.info(final_ap_line(task_ap(res), name))


def main(args):
    cfg = setup_cfg(args)
    if args.eval_only:
        model = Trainer.build_model(cfg)
        GNDetCheckpointer.for_config(model, cfg).resume_or_load(
            cfg.MODEL.WEIGHTS, resume=args.resume
        )
        results = Trainer.test(cfg, model)
        summarize(cfg, results)
        return results

    trainer = Trainer(cfg)
    trainer.resume_or_load(resume=args.resume)
    trainer.train()
    results = getattr(trainer, "_last_eval_results", None)
    summarize(cfg, results)
    return results


def cli(argv=None):
    args = default_argument_parser().parse_args(argv)
    if args.config_file and not os.path.isfile(args.config_file):
        sys.exit(f"error: --config-file {args.config_file} does not exist")
    try:
        cfg = load_config(args.config_file, args.opts)  # fail fast, before any process starts
        checks = dict(num_machines=args.num_machines, eval_only=args.eval_only, resume=args.resume)
        for warning in preflight(cfg, num_processes=args.num_gpus, **checks):
            print(f"warning: {warning}", file=sys.stderr)
        launch_from_args(main, args, cfg, CLEAN_ERRORS)
    except (*CLEAN_ERRORS, LaunchError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    cli()
