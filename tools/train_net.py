#!/usr/bin/env python
"""Train or evaluate a gn_det Mask R-CNN with detectron2's DefaultTrainer.

The tool lives in gn_det/cli/train_net.py (also `python -m gn_det.cli.train_net`).
"""

from gn_det.cli.train_net import run

if __name__ == "__main__":
    run()
