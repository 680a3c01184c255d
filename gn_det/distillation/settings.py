"""The settings of a distillation run: recorded in settings.json, checked on --resume."""

import json
import os

from ..modeling.norm import norm_metadata
from .errors import DistillationError
from .results import write_results

# Settings that must be the same when --resume continues a run.
RESUME_SETTINGS = ("config_file", "opts", "teacher", "data", "num_images", "num_heldout",
                   "batch_size", "lr", "image_size", "stage_weights", "seed")  # fmt: skip


def check_resume_settings(path, settings):
    """DistillationError if the run in ``path`` was started with other settings."""
    if not os.path.isfile(path):
        return
    try:
        with open(path) as f:
            before = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DistillationError(f"--resume: {path} is not a settings file ({e})") from None
    if not isinstance(before, dict):
        raise DistillationError(f"--resume: {path} is not a settings file (not an object)")
    for key in RESUME_SETTINGS:
        if before.get(key) != settings.get(key):
            raise DistillationError(
                f"--resume: {path} records {key} {before.get(key)!r}, this run has "
                f"{settings.get(key)!r}; resume with the same settings or use another --output-dir"
            )


def run_settings(args, spec, split, weights, seed):
    """What results.json and a later --resume record of this run."""
    return {
        "config_file": args.config_file, "opts": list(args.opts),
        "teacher": os.path.abspath(args.teacher), "data": args.data,
        "num_images": len(split.train), "num_heldout": len(split.heldout),
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "image_size": args.image_size, "stage_weights": weights, "seed": seed,
        "norm": norm_metadata(spec), "probe_images": args.probe_images,
    }  # fmt: skip


def record_settings(output_dir, settings, resume):
    """Write ``settings.json``; on --resume first check it against the earlier run's."""
    path = os.path.join(output_dir, "settings.json")
    if resume:
        check_resume_settings(path, settings)
    write_results(path, settings)
