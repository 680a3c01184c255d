"""Train or evaluate a gn_det Mask R-CNN with detectron2's DefaultTrainer.

    python tools/train_net.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml
    python tools/train_net.py --config-file configs/COCO/mask_rcnn_R_50_FPN_3x_gn.yaml --num-gpus 8
    python tools/train_net.py --config-file C --eval-only MODEL.WEIGHTS output/model_final.pth

Multi-GPU and multi-machine runs go through detectron2's ``launch``; without CUDA,
``--num-gpus N`` starts N CPU processes (gloo). GN needs no cross-GPU synchronisation
(unlike SyncBN): each GPU normalizes its own images.
"""

import sys

from detectron2.engine import default_argument_parser

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..engine.preflight import check_eval_weights, preflight
from ..engine.setup import load_config, setup_cfg
from ..engine.trainer import Trainer, summarize
from .arguments import parse_args
from .run_folder import launch_in_folder
from .runner import run_cli


def train(args):
    """Train (or with ``--eval-only`` evaluate) in one process of the run; the test results."""
    cfg = setup_cfg(args)
    if args.eval_only:
        model = Trainer.build_model(cfg)
        GNDetCheckpointer.for_config(model, cfg).resume_or_load(
            cfg.MODEL.WEIGHTS, resume=args.resume
        )
        results = Trainer.test(cfg, model)
        summarize(cfg.DATASETS.TEST, results)
        return results

    trainer = Trainer(cfg)
    trainer.resume_or_load(resume=args.resume)
    trainer.train()
    summarize(cfg.DATASETS.TEST, trainer.last_eval_results)
    return trainer.last_eval_results


def main(argv=None):
    args = parse_args(default_argument_parser(), argv)
    cfg = load_config(args.config_file, args.opts)  # fail fast, before any process starts
    if args.eval_only:
        explicit = "MODEL.WEIGHTS" in (args.opts or [])[0::2]
        check_eval_weights(cfg.MODEL.WEIGHTS, cfg.OUTPUT_DIR, explicit=explicit, resume=args.resume)
    checks = dict(num_machines=args.num_machines, eval_only=args.eval_only, resume=args.resume)
    for warning in preflight(cfg, num_processes=args.num_gpus, **checks):
        print(f"warning: {warning}", file=sys.stderr)
    launch_in_folder(cfg.OUTPUT_DIR, "OUTPUT_DIR", train, args, cfg)


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
