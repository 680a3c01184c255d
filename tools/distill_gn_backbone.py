#!/usr/bin/env python
"""Turn a BN-pretrained ResNet into a GroupNorm one by distillation on unlabeled images.

The tool lives in gn_det/cli/distill_gn_backbone.py (also
`python -m gn_det.cli.distill_gn_backbone`).
"""

from gn_det.cli.distill_gn_backbone import run

if __name__ == "__main__":
    run()
