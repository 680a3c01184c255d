#!/usr/bin/env python
"""Compare runs side by side: COCO AP table with deltas to a baseline, and PNG plots.

The tool lives in gn_det/cli/compare_runs.py (also `python -m gn_det.cli.compare_runs`).
"""

from gn_det.cli.compare_runs import run

if __name__ == "__main__":
    run()
