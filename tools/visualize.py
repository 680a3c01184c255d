#!/usr/bin/env python
"""Draw predictions (masks, boxes, class names, scores) over dataset images into PNGs.

The tool lives in gn_det/cli/visualize.py (also `python -m gn_det.cli.visualize`).
"""

from gn_det.cli.visualize import run

if __name__ == "__main__":
    run()
