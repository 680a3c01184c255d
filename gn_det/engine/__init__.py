from .checkpoint import GNDetCheckpointer, UnsafeCheckpointError
from .evaluation import build_coco_evaluator, final_ap_line, read_final_metrics, task_ap
from .load_report import WeightsMismatchError
from .setup import ConfigError, load_config, setup_cfg

__all__ = [
    "ConfigError",
    "GNDetCheckpointer",
    "UnsafeCheckpointError",
    "WeightsMismatchError",
    "build_coco_evaluator",
    "final_ap_line",
    "load_config",
    "read_final_metrics",
    "setup_cfg",
    "task_ap",
]
