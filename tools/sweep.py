#!/usr/bin/env python
"""Train one run per cell of a norm x images-per-batch (x GN groups) grid, then tabulate and
plot the metric: the paper's batch-size curve and group ablation for any config and data.

The tool lives in gn_det/cli/sweep.py (also `python -m gn_det.cli.sweep`).
"""

from gn_det.cli.sweep import run

if __name__ == "__main__":
    run()
