#!/usr/bin/env python
"""COCO bbox/segm evaluation of a model, or of a results file, with faster-coco-eval.

The tool lives in gn_det/cli/evaluate.py (also `python -m gn_det.cli.evaluate`).
"""

from gn_det.cli.evaluate import run

if __name__ == "__main__":
    run()
