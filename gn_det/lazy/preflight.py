"""Fail fast for tools/lazyconfig_train_net.py: the checks of ``preflight`` for a LazyConfig.

Devices, batch size and schedule, the output folder, ``train.init_checkpoint`` (or the
checkpoint ``--resume`` would load), the model built on the meta device (norm kinds and group
counts, SyncBN in one process, what will not learn from scratch) and every dataset of
``dataloader.train``/``test`` are checked before any process starts; errors are one line in
the LazyConfig's own names.
"""

import os

from detectron2.config import CfgNode, instantiate
from detectron2.data import get_detection_dataset_dicts
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from ..checkpoint.checkpointer import resumable_checkpoint
from ..checkpoint.weights import check_weights
from ..config import ConfigError
from ..data import check_datasets
from ..data.quick_check import quick_check_names
from ..engine.keys import LAZY_KEYS
from ..engine.model_check import check_built_model, meta_model
from ..engine.preflight import check_devices
from ..utils.output_paths import check_output_dir
from .config import lazy_terms
from .data import dataset_names, target_of

# How a LazyConfig registers a dataset of its own (see check_datasets).
REGISTER_HINT = (
    "Register a COCO-format dataset in the config file with "
    "gn_det.data.register_coco_format(name, json_file, image_root)"
)


def device_view(cfg):
    """The run's device where the checks shared with YAML configs read it (MODEL.DEVICE)."""
    return CfgNode({"MODEL": {"DEVICE": str(cfg.train.device)}})


def build_lazy_meta_model(cfg):
    """``cfg.model`` with meta tensors; build errors become one-line ConfigErrors."""
    return meta_model(lambda: instantiate(cfg.model), (OmegaConfBaseException, AttributeError))


def _positive(cfg, key):
    value = OmegaConf.select(cfg, key, default=None)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{key}={value} must be an integer > 0")
    return value


def check_lazy_solver(cfg, world_size):
    """Batch size, iteration count, checkpoint period and mixed precision the run can use."""
    loader = cfg.dataloader.train
    batch = _positive(cfg, "dataloader.train.total_batch_size")
    if batch % world_size:
        raise ConfigError(
            f"dataloader.train.total_batch_size={batch} must be a multiple of the number of "
            f"processes ({world_size} = --num-gpus x --num-machines): each process takes "
            "total_batch_size / processes images per iteration"
        )
    _positive(cfg, "train.max_iter")
    _positive(cfg, LAZY_KEYS.checkpoint_period)
    dataset = loader.get("dataset")
    if target_of(dataset) is get_detection_dataset_dicts and not dataset_names(loader):
        raise ConfigError("dataloader.train.dataset.names is empty: training needs a dataset")
    if OmegaConf.select(cfg, "train.amp.enabled", default=False):
        if not str(cfg.train.device).startswith("cuda"):
            raise ConfigError(
                f"train.amp.enabled=True needs CUDA (detectron2's AMPTrainer) and this run is "
                f"on {cfg.train.device}: set train.amp.enabled=False"
            )


def lazy_preflight(cfg, *, num_processes=1, num_machines=1, eval_only=False, resume=False):
    """Raise a one-line error for a LazyConfig run that cannot work; return warnings (strings)
    for one that will not learn as meant. ``cfg`` comes from ``load_lazy_config``."""
    with lazy_terms():
        world_size = num_processes * num_machines
        training = not eval_only
        output_dir = cfg.train.output_dir
        check_devices(device_view(cfg), num_processes, num_machines)
        check_output_dir(output_dir, "train.output_dir")  # logs, checkpoints, evaluation files
        if training:
            check_lazy_solver(cfg, world_size)
        resume_from = resumable_checkpoint(output_dir) if resume else None
        weights = cfg.train.init_checkpoint
        if resume_from is None:
            check_weights(weights)
        warnings = check_built_model(
            build_lazy_meta_model(cfg), LAZY_KEYS, num_processes=world_size, training=training,
            from_scratch=resume_from is None and not weights,
        )  # fmt: skip
        old = os.path.isfile(os.path.join(output_dir, "last_checkpoint"))
        if training and not resume and old:
            warnings.append(
                f"train.output_dir {output_dir} holds checkpoints of an earlier run: without "
                "--resume training starts at iteration 0 and overwrites them"
            )
        train = dataset_names(cfg.dataloader.get("train")) if training else []
        test = dataset_names(cfg.dataloader.get("test"))
        check_datasets([*train, *test], REGISTER_HINT)
        num_classes = OmegaConf.select(cfg, "model.roi_heads.num_classes", default=None)
        warnings += quick_check_names(train, test, num_classes, "model.roi_heads.num_classes={}")
    return warnings
