#!/usr/bin/env python
"""Pretrain the ResNet of a detection config as a classifier, then export it for MODEL.WEIGHTS.

The tool lives in gn_det/cli/pretrain_backbone.py (also `python -m gn_det.cli.pretrain_backbone`).
"""

from gn_det.cli.pretrain_backbone import run

if __name__ == "__main__":
    run()
