"""Fail fast: check a run before any process starts, any data loads or any GPU time is spent.

``preflight`` raises one error naming the key, value or file for a run that cannot work, and
returns warnings for one that will run but not as intended. ``tools/train_net.py`` calls it
on the launching process, so no worker ever meets these errors half-way through a run.
"""

import os

import torch
from detectron2.engine import DefaultTrainer

from ..checkpoint.checkpointer import resumable_checkpoint
from ..checkpoint.weights import check_weights
from ..compat.detectron2_private import ddp_runs_on_cpu
from ..data import prepare_datasets
from ..data.quick_check import quick_check_datasets
from ..data.resumable_loader import SAMPLERS
from ..utils.output_paths import check_output_dir
from .keys import YAML_KEYS
from .model_check import check_model
from .setup import ConfigError


def check_eval_weights(weights, output_dir, *, explicit, resume, keys=YAML_KEYS):
    """``--eval-only`` evaluates trained weights: ``weights``, or with ``resume`` the last
    checkpoint of ``output_dir``. Random weights only when asked for: the weights key set to
    "" on the command line (``explicit``). ``keys`` name the settings in the message."""
    if weights or explicit or (resume and resumable_checkpoint(output_dir)):
        return
    raise ConfigError(
        f"--eval-only needs trained weights and {keys.weights} is empty: add "
        f"{keys.setting(keys.weights, 'path/to/model_final.pth')}, or --resume to evaluate the "
        f"last checkpoint in {keys.output_dir} {output_dir} (to evaluate random weights on "
        f"purpose, pass {keys.setting(keys.weights, chr(34) * 2)})"
    )


def check_devices(cfg, num_processes, num_machines):
    """At least one process, and one CUDA device per process when the model runs on CUDA."""
    if num_processes < 1 or num_machines < 1:
        raise ConfigError(
            f"--num-gpus {num_processes} --num-machines {num_machines}: both must be >= 1"
        )
    if cfg.MODEL.DEVICE.startswith("cuda") and num_processes > torch.cuda.device_count():
        raise ConfigError(
            f"--num-gpus {num_processes} but this machine has "
            f"{torch.cuda.device_count()} CUDA device(s)"
        )
    if cfg.MODEL.DEVICE == "cpu" and num_processes * num_machines > 1 and not ddp_runs_on_cpu():
        raise ConfigError(
            f"--num-gpus {num_processes} on the CPU needs detectron2's create_ddp_model to skip "
            "device_ids for CPU models, an edit that tools/install_detectron2.py makes and this "
            "detectron2 (a full build) lacks: run with --num-gpus 1, or on CUDA devices"
        )


def scaled_solver(cfg, world_size):
    """The config detectron2 trains with: ``SOLVER.REFERENCE_WORLD_SIZE`` scaling applied."""
    ref = cfg.SOLVER.REFERENCE_WORLD_SIZE
    if ref and cfg.SOLVER.IMS_PER_BATCH % ref:
        raise ConfigError(
            f"SOLVER.IMS_PER_BATCH={cfg.SOLVER.IMS_PER_BATCH} is not divisible by "
            f"SOLVER.REFERENCE_WORLD_SIZE={ref}"
        )
    return DefaultTrainer.auto_scale_workers(cfg, world_size)


def check_solver(cfg, world_size):
    """Batch size, iteration count and checkpoint period that the training loop can use."""
    scaled = scaled_solver(cfg, world_size)
    note = " (after SOLVER.REFERENCE_WORLD_SIZE scaling)" if scaled is not cfg else ""
    batch = scaled.SOLVER.IMS_PER_BATCH
    if batch <= 0 or batch % world_size:
        raise ConfigError(
            f"SOLVER.IMS_PER_BATCH={batch}{note} must be a positive multiple of the number of "
            f"processes ({world_size} = --num-gpus x --num-machines): each process takes "
            "IMS_PER_BATCH / processes images per iteration"
        )
    for key in ("MAX_ITER", "CHECKPOINT_PERIOD"):
        if scaled.SOLVER[key] <= 0:
            raise ConfigError(f"SOLVER.{key}={scaled.SOLVER[key]}{note} must be > 0")
    if cfg.SOLVER.NORM_LR_FACTOR < 0:
        raise ConfigError(
            f"SOLVER.NORM_LR_FACTOR={cfg.SOLVER.NORM_LR_FACTOR} must be >= 0 (a multiple of the "
            "learning rate for the norm layers; 0 keeps their scale and shift fixed)"
        )
    if not cfg.DATASETS.TRAIN:
        raise ConfigError("DATASETS.TRAIN is empty: training needs at least one dataset")
    if cfg.DATALOADER.SAMPLER_TRAIN not in SAMPLERS:
        raise ConfigError(
            f"DATALOADER.SAMPLER_TRAIN={cfg.DATALOADER.SAMPLER_TRAIN!r} is not one of {SAMPLERS}"
        )


def check_pixel_stats(cfg):
    """PIXEL_MEAN/PIXEL_STD with one value per input channel and no zero std."""
    mean, std = list(cfg.MODEL.PIXEL_MEAN), list(cfg.MODEL.PIXEL_STD)
    if len(mean) != len(std):
        raise ConfigError(
            f"MODEL.PIXEL_MEAN has {len(mean)} values and MODEL.PIXEL_STD {len(std)}; "
            "they need one value per input channel each"
        )
    if any(s == 0 for s in std):
        raise ConfigError(f"MODEL.PIXEL_STD={std} has a zero: images are divided by it")


def preflight(cfg, *, num_processes=1, num_machines=1, eval_only=False, resume=False):
    """Raise a one-line error (ConfigError, NormConfigError, DatasetError, CheckpointError,
    OutputPathError) for a run that cannot work; return warnings (strings) for one that will
    not learn as meant."""
    world_size = num_processes * num_machines
    training = not eval_only
    check_devices(cfg, num_processes, num_machines)
    check_pixel_stats(cfg)
    warnings = []
    check_output_dir(cfg.OUTPUT_DIR, "OUTPUT_DIR")  # logs, checkpoints, evaluation results
    if training:
        check_solver(cfg, world_size)
    resume_from = resumable_checkpoint(cfg.OUTPUT_DIR) if resume else None
    if resume_from is None:
        check_weights(cfg.MODEL.WEIGHTS)
    from_scratch = resume_from is None and not cfg.MODEL.WEIGHTS
    warnings += check_model(
        cfg, num_processes=world_size, training=training, from_scratch=from_scratch
    )
    if training and not resume and os.path.isfile(os.path.join(cfg.OUTPUT_DIR, "last_checkpoint")):
        warnings.append(
            f"OUTPUT_DIR {cfg.OUTPUT_DIR} holds checkpoints of an earlier run: without --resume "
            "training starts at iteration 0 and overwrites them"
        )
    prepare_datasets(cfg)
    warnings += quick_check_datasets(cfg)
    return warnings
