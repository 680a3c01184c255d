"""Train or evaluate a model of a LazyConfig (.py) as detectron2's tools/lazyconfig_train_net.py
does, with gn_det's guarantees (those of tools/train_net.py).

    python tools/lazyconfig_train_net.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.py
    python tools/lazyconfig_train_net.py \\
        --config-file configs/new_baselines/mask_rcnn_R_50_FPN_100ep_LSJ_gn.py --num-gpus 8
    python tools/lazyconfig_train_net.py --config-file C --eval-only train.init_checkpoint=W

Overrides are ``key=value`` (``model.norm.type=LN``). A LazyConfig is Python: loading it runs
its code, so use config files you trust.
"""

import sys

from detectron2.engine import default_argument_parser

from ..engine.keys import LAZY_KEYS
from ..engine.preflight import check_eval_weights
from ..lazy.config import lazy_terms, load_lazy_config, setup_lazy_cfg
from ..lazy.preflight import lazy_preflight
from ..lazy.trainer import LazyTrainer, build_lazy_model, evaluate_lazy, lazy_checkpointer
from .arguments import parse_args
from .run_folder import launch_in_folder
from .runner import run_cli


def train(args):
    """Train (or with ``--eval-only`` evaluate) in one process of the run; the test results."""
    with lazy_terms():
        cfg = setup_lazy_cfg(args)
        if args.eval_only:
            model = build_lazy_model(cfg)
            checkpointer = lazy_checkpointer(model, cfg)
            checkpointer.resume_or_load(cfg.train.init_checkpoint, resume=args.resume)
            return evaluate_lazy(cfg, model)
        trainer = LazyTrainer(cfg)
        trainer.resume_or_load(resume=args.resume)
        return trainer.train()


def main(argv=None):
    args = parse_args(default_argument_parser(), argv)
    # Fail fast, before any process starts.
    cfg = load_lazy_config(args.config_file, args.opts, eval_only=args.eval_only)
    train_cfg = cfg.train
    if args.eval_only:
        given = [o.partition("=")[0].strip() for o in args.opts or ()]
        check_eval_weights(train_cfg.init_checkpoint, train_cfg.output_dir, keys=LAZY_KEYS,
                           explicit=LAZY_KEYS.weights in given, resume=args.resume)  # fmt: skip
    checks = dict(num_machines=args.num_machines, eval_only=args.eval_only, resume=args.resume)
    for warning in lazy_preflight(cfg, num_processes=args.num_gpus, **checks):
        print(f"warning: {warning}", file=sys.stderr)
    cpu = train_cfg.device == "cpu"
    launch_in_folder(train_cfg.output_dir, LAZY_KEYS.output_dir, train, args, cpu=cpu)


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
