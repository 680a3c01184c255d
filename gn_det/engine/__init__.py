"""The training runtime: config setup, pre-launch checks, process launch, the trainer and its
hooks (exact resume, divergence stop); gn_det.lazy runs LazyConfigs on top of it."""

from .launch import LaunchError, launch, launch_from_args
from .setup import ConfigError, load_config, setup_cfg
from .trainer import Trainer

__all__ = ["ConfigError", "LaunchError", "Trainer", "launch", "launch_from_args", "load_config",
           "setup_cfg"]  # fmt: skip
