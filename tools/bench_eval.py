#!/usr/bin/env python
"""Time pycocotools and gn_det's evaluator (faster-coco-eval) side by side on synthetic data.

The tool lives in gn_det/cli/bench_eval.py (also `python -m gn_det.cli.bench_eval`).
"""

from gn_det.cli.bench_eval import run

if __name__ == "__main__":
    run()
