#!/usr/bin/env python
"""Check a COCO-format dataset before spending GPU time on it.

The tool lives in gn_det/cli/check_dataset.py (also `python -m gn_det.cli.check_dataset`).
"""

from gn_det.cli.check_dataset import run

if __name__ == "__main__":
    run()
