"""The training runtime: config setup, pre-launch checks, process launch, the trainer and its
hooks (exact resume, divergence stop), for YAML configs and LazyConfigs alike."""

from .launch import LaunchError, launch, launch_from_args
from .lazy_config import load_lazy_config
from .lazy_trainer import LazyTrainer
from .setup import ConfigError, load_config, setup_cfg
from .trainer import Trainer

__all__ = ["ConfigError", "LaunchError", "LazyTrainer", "Trainer", "launch", "launch_from_args",
           "load_config", "load_lazy_config", "setup_cfg"]  # fmt: skip
