"""Turn a BN-pretrained ResNet into a GroupNorm one by distillation on unlabeled images.

    python tools/distill_gn_backbone.py --config-file C --teacher W --output-dir D \\
        [--data shapes | --data IMAGE_DIR | --data DATASET_NAME] [--num-images N] \\
        [--epochs E] [--batch-size B] [--lr LR] [--image-size S] [--resume] [KEY VALUE ...]

The teacher is the config's ResNet with frozen BatchNorm, loaded from W (detectron2 .pkl,
Detectron .pkl, torchvision/timm .pth/.safetensors, or tools/pretrain_backbone.py output).
The student is the same ResNet with MODEL.NORM.TYPE (GN, LN, IN; MODEL.NORM.WS for GN+WS),
started from the teacher, and trained to match the teacher's stem and res2..res5 maps on
random resized crops. Writes D/backbone.pkl (for MODEL.WEIGHTS with MODEL.NORM.TYPE GN),
D/results.json, D/log.txt, D/feature_error.png and checkpoints; no label is read to train.
"""

import argparse
import logging
import os
import shlex
import sys
import time

from detectron2.utils.logger import setup_logger

from ..classification import pretrain_config
from ..data import register_config_datasets
from ..distillation import STAGES, Distillation, DistillationError, build_student, build_teacher
from ..distillation.images import center_crops, split_images
from ..distillation.loss import feature_errors
from ..distillation.probe import TopOneCheck, labelled_data
from ..distillation.results import (
    error_table,
    export_student,
    log_error_table,
    plot_feature_errors,
    write_results,
)
from ..distillation.settings import record_settings, run_settings
from ..distillation.student import student_norm
from ..engine.setup import ConfigError, load_config
from .arguments import parse_args as checked_args
from .runner import run_cli

logger = logging.getLogger("gn_det")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config-file", required=True, help="detection config whose ResNet to use")
    p.add_argument("--teacher", required=True, help="BN-pretrained weights of that ResNet")
    p.add_argument("--output-dir", default="output/distill", help="where everything is written")
    p.add_argument("--data", default="shapes",
                   help="'shapes', a folder of images, or a registered dataset name")  # fmt: skip
    p.add_argument("--num-images", type=int, help="training images to use (default: all)")
    p.add_argument("--num-heldout", type=int, default=100,
                   help="images held out to measure the feature error")  # fmt: skip
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=32, help="images per step")
    p.add_argument("--lr", type=float, default=0.1, help="base LR (SGD, cosine schedule)")
    p.add_argument("--image-size", type=int, default=224, help="side of the random crops")
    p.add_argument("--stage-weights", nargs="+", default=[], metavar="STAGE=W",
                   help=f"loss weight of a stage ({', '.join(STAGES)}); default 1")  # fmt: skip
    p.add_argument("--probe-images", type=int, default=500,
                   help="shapes images whose object crops fit the teacher's linear head for "
                   "the top-1 check (0: no check)")  # fmt: skip
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="config overrides: KEY VALUE ...")
    return checked_args(p, argv)


def stage_weights(items):
    """{stage: weight} from ``STAGE=W`` items, 1 for stages not named."""
    weights = dict.fromkeys(STAGES, 1.0)
    for item in items:
        stage, _, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if stage not in STAGES or weight < 0:
            raise DistillationError(
                f"--stage-weights {item}: expected STAGE=W with STAGE one of "
                f"{', '.join(STAGES)} and W >= 0"
            )
        weights[stage] = weight
    if not any(weights.values()):
        raise DistillationError("--stage-weights: at least one stage needs a weight > 0")
    return weights


def check_numbers(args):
    """DistillationError for a count or size that cannot be used."""
    for name in ("num_images", "epochs", "batch_size", "image_size", "num_heldout"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise DistillationError(f"--{name.replace('_', '-')} {value}: must be > 0")
    if args.lr <= 0:
        raise DistillationError(f"--lr {args.lr}: must be > 0")
    if args.probe_images < 0:
        raise DistillationError(f"--probe-images {args.probe_images}: must be >= 0")
    if not os.path.isfile(args.config_file):
        raise ConfigError(f"--config-file {args.config_file} does not exist")
    if not os.path.exists(args.teacher):
        raise DistillationError(f"--teacher {args.teacher} does not exist")


def distill(args, command):
    check_numbers(args)
    weights = stage_weights(args.stage_weights)
    cfg = load_config(args.config_file, args.opts)
    spec = student_norm(cfg)
    register_config_datasets(cfg)
    os.makedirs(args.output_dir, exist_ok=True)
    for name in ("detectron2", "gn_det"):
        setup_logger(args.output_dir, name=name, abbrev_name=name[:3])
    start = time.perf_counter()
    seed = cfg.SEED if cfg.SEED >= 0 else 0
    teacher = build_teacher(cfg, args.teacher)
    student = build_student(cfg, teacher, spec)
    split = split_images(args.data, args.num_images, args.num_heldout, seed)
    settings = run_settings(args, spec, split, weights, seed)
    record_settings(args.output_dir, settings, args.resume)
    cfg, eval_period = pretrain_config(
        cfg, num_train=len(split.train), epochs=args.epochs, batch_size=args.batch_size,
        lr=args.lr, output_dir=args.output_dir,
    )  # fmt: skip
    logger.info(
        f"distilling a BN ResNet-{cfg.MODEL.RESNETS.DEPTH} into {spec.kind}"
        f"{'+WS' if spec.ws else ''} on {len(split.train)} images of --data {args.data} "
        f"({len(split.heldout)} held out, {len(split.skipped)} unreadable skipped): "
        f"{cfg.SOLVER.MAX_ITER} iterations of {args.batch_size} crops of {args.image_size} px"
    )
    heldout = center_crops(split.heldout, args.image_size)
    distillation = Distillation(
        cfg, teacher, student, split.train, heldout, image_size=args.image_size,
        stage_weights=weights, eval_period=eval_period, seed=seed,
    )  # fmt: skip
    before = feature_errors(distillation.model, heldout)
    top1 = TopOneCheck(distillation.model, labelled_data(args.data, args.image_size,
                                                         args.probe_images))  # fmt: skip
    distillation.resume_or_load(args.resume)
    table = error_table(before, distillation.train())
    log_error_table(table)
    pkl = export_student(os.path.join(args.output_dir, "backbone.pkl"), student, spec, cfg,
                         args.teacher, table)  # fmt: skip
    step_s = distillation.step_seconds()
    results = {
        "status": "done",
        "feature_error": table,
        "top1_error": top1.result(),
        "wall_s": round(time.perf_counter() - start, 1),
        "train_s_per_image": round(step_s / args.batch_size, 5) if step_s else None,
        "iterations": cfg.SOLVER.MAX_ITER,
        "skipped_unreadable": len(split.skipped),
        "command": command,
        "settings": settings,
        "weights": os.path.abspath(pkl),
    }
    write_results(os.path.join(args.output_dir, "results.json"), results)
    metrics = os.path.join(args.output_dir, "metrics.json")
    plot = os.path.join(args.output_dir, "feature_error.png")
    plot_feature_errors(metrics, cfg.SOLVER.MAX_ITER, before, plot)
    ws = " MODEL.NORM.WS True" if spec.ws else ""
    logger.info(f"wrote {pkl}: fine-tune with MODEL.WEIGHTS {pkl} MODEL.NORM.TYPE {spec.kind}{ws}")
    return results


def main(argv=None):
    args = parse_args(argv)
    shown = [str(a) for a in (argv if argv is not None else sys.argv[1:])]
    return distill(args, shlex.join(["python", "tools/distill_gn_backbone.py", *shown]))


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
