"""Build a frozen, checked config from the command line, as detectron2's tools do."""

import logging

import detectron2.utils.comm as comm
import torch
from detectron2.config import get_cfg
from detectron2.engine import default_setup
from detectron2.utils.logger import setup_logger

from ..config import ConfigError, add_gn_det_config
from ..data import prepare_datasets
from ..modeling import validate_norm_config
from ..utils.cpu_threads import spinning_threads_warning, threads_within_quota
from ..utils.yaml_config import ConfigFileError, read_yaml_config

logger = logging.getLogger(__name__)


def load_config(config_file, opts=()):
    """detectron2 config with gn_det keys, merged from ``config_file`` and ``KEY VALUE`` opts.

    The file and its ``_BASE_`` files are read first by gn_det's plain-YAML reader, which runs
    no code and reports a bad file in one line; detectron2 then merges them (versions, key and
    type checks) with ``allow_unsafe=False``, so it never falls back to ``yaml.unsafe_load``.
    """
    cfg = get_cfg()
    add_gn_det_config(cfg)
    # yacs reports bad keys and values as KeyError, ValueError or AssertionError.
    try:
        if config_file:
            read_yaml_config(config_file)
            cfg.merge_from_file(config_file, allow_unsafe=False)
    except ConfigFileError:
        raise
    except (KeyError, ValueError, AssertionError) as e:
        raise ConfigError(f"bad config file {config_file}: {str(e).strip(chr(39))}") from None
    try:
        cfg.merge_from_list(list(opts))
    except (KeyError, ValueError, AssertionError) as e:
        raise ConfigError(f"bad KEY VALUE override: {str(e).strip(chr(39))}") from None
    if cfg.MODEL.DEVICE.startswith("cuda") and not torch.cuda.is_available():
        cfg.MODEL.DEVICE = "cpu"
        logger.warning("CUDA is not available: running on the CPU (MODEL.DEVICE cpu)")
    validate_norm_config(cfg)
    return cfg


def setup_cfg(args):
    """Config for ``tools/*`` from detectron2's argument parser; sets up logging and datasets."""
    cfg = load_config(args.config_file, args.opts)
    cfg.freeze()
    default_setup(cfg, args)
    setup_logger(cfg.OUTPUT_DIR, distributed_rank=comm.get_rank(), name="gn_det")
    threads = threads_within_quota(torch.get_num_threads())
    if cfg.MODEL.DEVICE == "cpu" and threads < torch.get_num_threads():
        logger.info(f"CPU threads: {torch.get_num_threads()} -> {threads} (the CPU quota)")
        torch.set_num_threads(threads)
    if cfg.MODEL.DEVICE == "cpu" and comm.is_main_process():
        warning = spinning_threads_warning(torch.get_num_threads())
        if warning:
            logger.warning(warning)
    prepare_datasets(cfg)
    return cfg
