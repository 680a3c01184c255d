"""Pretrain the ResNet of a detection config as a classifier, then export it for MODEL.WEIGHTS.

    python tools/pretrain_backbone.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml \
        --output-dir output/pretrain_gn
    python tools/pretrain_backbone.py --config-file C --data /path/to/imagefolder \
        --output-dir output/pretrain_bn MODEL.NORM.TYPE BN

The network is the config's backbone (depth, widths, STRIDE_IN_1X1, MODEL.NORM) with a
linear classifier. ``--data shapes`` (default) trains on object crops drawn by the shapes
generator, with a train/val split of its own; a folder must hold ``train/<class>/*`` and
``val/<class>/*``. Writes ``backbone.pkl`` (detectron2 weights, with the norm recorded),
``results.json`` (top-1 error) and checkpoints; ``--resume`` continues an unfinished run.
"""

import argparse
import json
import logging
import os
import time

from detectron2.utils.env import seed_all_rng
from detectron2.utils.logger import setup_logger

from ..checkpoint.weights_pkl import backbone_metadata, detectron2_weights, save_weights_pkl
from ..classification import (
    ClassifierPretraining,
    classification_data,
    classifier_norm,
    pretrain_config,
)
from ..engine.setup import load_config
from ..modeling.norm import norm_metadata
from ..utils.atomic_file import atomic_open
from ..utils.output_paths import check_output_dir
from .arguments import parse_args as checked_args
from .arguments import positive
from .run_folder import own_folder
from .runner import run_cli


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config-file", required=True, help="detection config whose ResNet to train")
    p.add_argument("--output-dir", default="output/pretrain", help="where everything is written")
    p.add_argument("--data", default="shapes", help="'shapes' or an ImageFolder root")
    p.add_argument("--epochs", type=positive(int), default=8)
    p.add_argument("--batch-size", type=positive(int), default=32, help="images per step")
    p.add_argument("--lr", type=positive(float), default=0.05, help="base LR at this batch size")
    p.add_argument("--schedule-batch", type=positive(int), default=None,
                   help="size the schedule (iterations, warm-up, evaluations) as --epochs at "
                   "this batch size: equal iterations across --batch-size values "
                   "(default: --batch-size, equal epochs)")  # fmt: skip
    p.add_argument("--image-size", type=positive(int), default=48, help="crop / resize side")
    p.add_argument("--num-images", type=positive(int), default=2000,
                   help="shapes images drawn for the train split (val gets a fifth)")  # fmt: skip
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="config overrides: KEY VALUE ...")
    return checked_args(p, argv)


def pretrain(args):
    cfg = load_config(args.config_file, args.opts)
    norm = classifier_norm(cfg)
    check_output_dir(args.output_dir, "--output-dir")
    data = classification_data(args.data, args.image_size, args.num_images)
    with own_folder(args.output_dir, "--output-dir"):
        return _pretrain(args, cfg, norm, data)


def _pretrain(args, cfg, norm, data):
    train, val, classes = data
    cfg, eval_period = pretrain_config(
        cfg, num_train=len(train[1]), epochs=args.epochs, batch_size=args.batch_size,
        lr=args.lr, output_dir=args.output_dir, schedule_batch=args.schedule_batch or 0,
    )  # fmt: skip
    os.makedirs(args.output_dir, exist_ok=True)
    for name in ("detectron2", "gn_det"):
        setup_logger(args.output_dir, name=name, abbrev_name=name[:3])
    logger = logging.getLogger("gn_det")
    logger.info(
        f"pretraining a {norm.kind} ResNet-{cfg.MODEL.RESNETS.DEPTH} on {len(train[1])} "
        f"images of {len(classes)} classes ({len(val[1])} for validation), "
        f"{cfg.SOLVER.MAX_ITER} iterations of {args.batch_size}"
    )
    seed_all_rng(cfg.SEED if cfg.SEED >= 0 else None)
    start = time.perf_counter()
    pretraining = ClassifierPretraining(cfg, train, val, len(classes), eval_period)
    pretraining.resume_or_load(args.resume)
    error = pretraining.train()
    wall = time.perf_counter() - start

    weights = detectron2_weights(
        pretraining.model.backbone.state_dict(), "gn_det tools/pretrain_backbone.py",
        norm=norm_metadata(norm), backbone=backbone_metadata(cfg), classes=classes,
    )  # fmt: skip
    pkl = save_weights_pkl(weights, os.path.join(args.output_dir, "backbone.pkl"))
    results = {
        "status": "done",
        "top1_error": error,
        "wall_s": round(wall, 1),
        "norm": norm_metadata(norm),
        "batch_size": args.batch_size,
        "base_lr": args.lr,
        "epochs": args.epochs,
        "schedule_batch": args.schedule_batch or args.batch_size,
        "iterations": cfg.SOLVER.MAX_ITER,
        "eval_period": eval_period,
        "seed": cfg.SEED,
        "num_train": len(train[1]),
        "num_val": len(val[1]),
        "weights": os.path.abspath(pkl),
    }
    with atomic_open(os.path.join(args.output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    logger.info(f"top-1 error {error:.2f}% after {wall:.0f} s; MODEL.WEIGHTS {pkl}")
    return results


def main(argv=None):
    return pretrain(parse_args(argv))


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
