"""Norm x batch-size (x group count) x seed sweeps over gn_det's training tools, their
committed study results, statistics, plots and claims (tools/sweep.py)."""

from .claims import judge
from .figures import plot_sweep
from .grid import Cell, SweepError, build_grid
from .readme_rows import sync_readme
from .records import StudyRecords
from .report import write_report
from .results import markdown_table, read_results, write_results
from .runner import Sweep
from .schedule import SCHEDULES, BaseSchedule
from .tasks import (
    TASKS,
    ClassificationTask,
    DetectionTask,
    VariantTask,
    load_variants,
    variant_cells,
)
from .validate import load_base_config, validate_cells

__all__ = [
    "SCHEDULES",
    "BaseSchedule",
    "Cell",
    "ClassificationTask",
    "DetectionTask",
    "StudyRecords",
    "Sweep",
    "SweepError",
    "TASKS",
    "VariantTask",
    "build_grid",
    "judge",
    "load_base_config",
    "load_variants",
    "markdown_table",
    "plot_sweep",
    "sync_readme",
    "read_results",
    "validate_cells",
    "variant_cells",
    "write_report",
    "write_results",
]
