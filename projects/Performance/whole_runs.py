#!/usr/bin/env python
"""Whole tools/train_net.py runs of several arms (code tree + environment), interleaved.

The tool lives in gn_det/cli/whole_runs.py (also `python -m gn_det.cli.whole_runs`).
"""

from gn_det.cli.whole_runs import run

if __name__ == "__main__":
    run()
