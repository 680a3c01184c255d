#!/usr/bin/env python
"""Measure what each norm (and speed option) costs: training and inference time, memory.

The tool lives in gn_det/cli/benchmark.py (also `python -m gn_det.cli.benchmark`).
"""

from gn_det.cli.benchmark import run

if __name__ == "__main__":
    run()
