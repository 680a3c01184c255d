"""The one COCO instances checker: problems of a file (schema, ids, boxes, masks, areas, image
files), how each use weighs them, and their one-line and table summaries."""

from .check import check_coco_data, check_coco_file, image_size
from .problems import KINDS, POLICIES, Problem, errors_of, weigh
from .report import counts_line, legend, one_line, report_table, severity_counts

__all__ = [
    "KINDS",
    "POLICIES",
    "Problem",
    "check_coco_data",
    "check_coco_file",
    "counts_line",
    "errors_of",
    "image_size",
    "legend",
    "one_line",
    "report_table",
    "severity_counts",
    "weigh",
]
