"""Norm x batch-size (x group count) sweeps over gn_det's training tools (tools/sweep.py)."""

from .grid import Cell, SweepError, build_grid
from .plots import plot_sweep
from .results import markdown_table, read_results, write_results
from .runner import Sweep
from .schedule import SCHEDULES, BaseSchedule
from .tasks import TASKS, ClassificationTask, DetectionTask
from .validate import load_base_config, validate_cells

__all__ = [
    "SCHEDULES",
    "BaseSchedule",
    "Cell",
    "ClassificationTask",
    "DetectionTask",
    "Sweep",
    "SweepError",
    "TASKS",
    "build_grid",
    "load_base_config",
    "markdown_table",
    "plot_sweep",
    "read_results",
    "validate_cells",
    "write_results",
]
