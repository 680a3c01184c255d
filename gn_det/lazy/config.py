"""Load a LazyConfig for tools/lazyconfig_train_net.py, with one-line errors.

A LazyConfig is a Python file: loading it runs its code, by design, so only load files you
trust. YAML files are refused here: ``LazyConfig.load`` reads them with ``yaml.unsafe_load``
and instantiating them calls whatever ``_target_`` they name; YAML configs go to
tools/train_net.py, which never runs code from a config.

Overrides are detectron2's ``key=value`` (Hydra's syntax), checked before they apply: every
key must exist in the config, or be an argument of the callable its node is a lazy call of,
so a misspelt key is an error instead of a silently ignored new entry.
"""

import contextlib
import difflib
import inspect
import logging
import os
import re
import traceback

import detectron2.utils.comm as comm
import torch
from detectron2.config import LazyConfig
from detectron2.engine import default_setup
from detectron2.utils.logger import setup_logger
from detectron2.utils.registry import locate
from omegaconf import DictConfig, ListConfig, OmegaConf

from ..config import ConfigError
from ..utils.errors import GNDetError

logger = logging.getLogger(__name__)

# Top-level nodes a LazyConfig needs, as detectron2's lazyconfig_train_net.py reads them.
TRAIN_NODES = ("model", "dataloader", "optimizer", "lr_multiplier", "train")
EVAL_NODES = ("model", "dataloader", "train")
# gn_det's settings under ``train``, added when a config does not set them.
TRAIN_DEFAULTS = {
    # Seed of every random generator (-1: a random seed), as MODEL.SEED / SEED in YAML.
    "seed": -1,
    # Load train.init_checkpoint even if backbone weights are missing from it (as
    # MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS): they keep their random initialization.
    "allow_missing_backbone_weights": False,
}
# YAML keys in the messages of checks shared with tools/train_net.py, and their LazyConfig names.
LAZY_NAMES = {
    "MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS": "train.allow_missing_backbone_weights",
    "MODEL.WEIGHTS": "train.init_checkpoint",
    "MODEL.NORM.TYPE": "model.norm.type",
    "MODEL.NORM.NUM_GROUPS": "model.norm.num_groups",
    "MODEL.NORM.CHANNELS_PER_GROUP": "model.norm.channels_per_group",
    "MODEL.RESNETS.DEPTH": "model.backbone.bottom_up.stages.depth",
    "MODEL.ROI_HEADS.NUM_CLASSES": "model.roi_heads.num_classes",
    "OUTPUT_DIR": "train.output_dir",
}


def in_lazy_terms(message):
    """``message`` of a check shared with YAML configs, with LazyConfig names for its keys."""
    for yaml_key, lazy_key in LAZY_NAMES.items():
        message = message.replace(yaml_key, lazy_key)
    return message


@contextlib.contextmanager
def lazy_terms():
    """Inside the block, a GNDetError of a check shared with YAML configs is worded with the
    LazyConfig's names (``in_lazy_terms``)."""
    try:
        yield
    except GNDetError as e:
        e.args = (in_lazy_terms(str(e)),)
        raise


def check_config_file(path):
    """Raise ConfigError unless ``path`` is an existing LazyConfig ``.py`` file."""
    if not path:
        raise ConfigError("--config-file is required: a LazyConfig .py file")
    if path.endswith((".yaml", ".yml")):
        raise ConfigError(
            f"--config-file {path}: tools/lazyconfig_train_net.py takes LazyConfig .py files; "
            "train YAML configs with tools/train_net.py (a LazyConfig YAML would be read with "
            "yaml.unsafe_load and could name any callable to run)"
        )
    if not path.endswith(".py"):
        raise ConfigError(f"--config-file {path} is not a LazyConfig .py file")
    if not os.path.isfile(path):
        raise ConfigError(f"--config-file {path} does not exist")


def _where(error, path):
    """' (file, line N)' where loading ``path`` failed: the line of a syntax error, or the
    deepest traceback frame in the config's folder; '' if unknown."""
    cause = error.__cause__
    if isinstance(cause, SyntaxError):  # detectron2 names the file, Python the line
        named = re.match(r"Config file (.*) has syntax error!", str(error))
        return f" ({named.group(1) if named else path}, line {cause.lineno})"
    folder = os.path.dirname(os.path.abspath(path))
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(f.filename).startswith(folder + os.sep)
    ]
    return f" ({frames[-1].filename}, line {frames[-1].lineno})" if frames else ""


def load_file(path):
    """The LazyConfig of ``path``; an error raised by its code becomes a ConfigError naming
    the line. (GNDetErrors, e.g. a bad ``with_norm`` field, pass through.)"""
    check_config_file(path)
    try:
        return LazyConfig.load(path)
    except GNDetError:
        raise
    except Exception as e:
        cause = e.__cause__ if isinstance(e.__cause__, SyntaxError) else e
        detail = cause.msg if isinstance(cause, SyntaxError) else str(cause).strip()
        detail = detail.splitlines()[0] if detail else ""
        raise ConfigError(
            f"--config-file {path} cannot be loaded{_where(e, path)}: "
            f"{type(cause).__name__}: {detail}"
        ) from None


def accepted_arguments(target):
    """The keyword arguments ``target`` (a callable, or its dotted name) accepts, or None if
    it accepts any (``**kwargs`` all the way up)."""
    target = locate(target) if isinstance(target, str) else target
    if target is None:
        return None
    if not isinstance(target, type):
        try:
            params = inspect.signature(target).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        return {p.name for p in params}
    names = set()
    for cls in target.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None or cls is object:
            continue
        params = list(inspect.signature(init).parameters.values())[1:]
        names |= {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names
    return None


def _no_key(key, where, part, choices):
    close = difflib.get_close_matches(part, sorted(choices), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return ConfigError(f"override {key}: {where} has no key {part!r}{hint}")


def check_override_key(cfg, key):
    """Raise ConfigError unless ``key`` names an existing entry of ``cfg``, or a new argument
    of a lazy call (a node with ``_target_``)."""
    parts = key.split(".")
    node = cfg
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "the config"
        last = i == len(parts) - 1
        if isinstance(node, ListConfig):
            if not (part.isdigit() and int(part) < len(node)):
                raise ConfigError(f"override {key}: {where} is a list of {len(node)} items")
            node = node[int(part)]
        elif isinstance(node, DictConfig):
            if part in node:
                node = node._get_node(part)
                node = node if OmegaConf.is_config(node) else None
                if node is None and not last:
                    raise ConfigError(f"override {key}: {'.'.join(parts[: i + 1])} is a value")
                continue
            accepted = accepted_arguments(node["_target_"]) if "_target_" in node else set()
            if last and "_target_" in node and (accepted is None or part in accepted):
                return
            raise _no_key(key, where, part, set(node.keys()) | (accepted or set()))
        else:
            raise ConfigError(f"override {key}: {where} is a value, not a config node")


def apply_overrides(cfg, overrides):
    """Apply detectron2's ``key=value`` overrides to ``cfg`` after checking every key."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    overrides = list(overrides or ())
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as e:
        first = [line for line in str(e).strip().splitlines() if line.strip(" ^")]
        hint = ""
        if any(o.startswith("--") for o in overrides):
            hint = "; flags such as --num-gpus go before the key=value overrides"
        elif any("=" not in o for o in overrides):
            hint = (
                "; LazyConfig overrides are key=value (e.g. model.norm.type=GN), KEY VALUE "
                "pairs are for YAML configs (tools/train_net.py)"
            )
        detail = " ".join(" ".join(first[:2]).split())
        raise ConfigError(f"bad key=value override: {detail}{hint}") from None
    for override in parsed:
        key = override.key_or_group
        if override.is_delete():
            raise ConfigError(f"override ~{key}: deleting keys is not supported")
        flag = key.split(".")[:2]
        if flag in (["model", "norm"], ["model", "speed"]) and flag[1] not in cfg.model:
            raise ConfigError(
                f"override {key}: this config's model has no {flag[1]} field; gn_det's norm "
                "flag needs a model made with gn_det.modeling.lazy.with_norm(model, ...) in the "
                "config file (as configs/new_baselines/*_gn.py)"
            )
        check_override_key(cfg, key)
    return LazyConfig.apply_overrides(cfg, overrides)


def check_nodes(cfg, path, eval_only):
    """Raise ConfigError if ``cfg`` lacks a node the tool reads."""
    missing = [n for n in (EVAL_NODES if eval_only else TRAIN_NODES) if n not in cfg]
    if not missing and isinstance(cfg.dataloader, DictConfig):
        loaders = ("test", "evaluator") if eval_only else ("train",)
        missing = [f"dataloader.{n}" for n in loaders if n not in cfg.dataloader]
    if missing:
        raise ConfigError(
            f"--config-file {path} defines no {', '.join(missing)}: a LazyConfig for "
            f"tools/lazyconfig_train_net.py defines {', '.join(TRAIN_NODES)} (as detectron2's "
            "model_zoo configs do)"
        )


def load_lazy_config(path, overrides=(), *, eval_only=False):
    """The LazyConfig of ``path`` with gn_det's ``train`` defaults and ``overrides`` applied;
    without CUDA, ``train.device`` falls back to the CPU (with a warning)."""
    cfg = load_file(path)
    check_nodes(cfg, path, eval_only)
    if not isinstance(cfg.train, DictConfig):
        raise ConfigError(f"--config-file {path}: train must be a dict of settings")
    for name, value in TRAIN_DEFAULTS.items():
        if name not in cfg.train:
            cfg.train[name] = value
    apply_overrides(cfg, overrides)
    device = str(cfg.train.get("device", "cuda"))
    if device.startswith("cuda") and not torch.cuda.is_available():
        logger.warning("CUDA is not available: running on the CPU (train.device=cpu)")
        cfg.train.device = "cpu"
    return cfg


def setup_lazy_cfg(args):
    """The LazyConfig of detectron2's command-line ``args`` in one process of the run, with
    detectron2's setup (logs, ``config.yaml``, seeds) and gn_det's log in ``train.output_dir``."""
    cfg = load_lazy_config(args.config_file, args.opts, eval_only=args.eval_only)
    default_setup(cfg, args)
    setup_logger(cfg.train.output_dir, distributed_rank=comm.get_rank(), name="gn_det")
    return cfg
