#!/usr/bin/env python
"""Convert a pretrained ResNet checkpoint to detectron2 weights for MODEL.WEIGHTS.

The tool lives in gn_det/cli/convert_pretrained.py (also `python -m gn_det.cli.convert_pretrained`).
"""

from gn_det.cli.convert_pretrained import run

if __name__ == "__main__":
    run()
