#!/usr/bin/env python
"""Train or evaluate a model of a LazyConfig (.py) with gn_det's guarantees.

The tool lives in gn_det/cli/lazyconfig_train_net.py (also
`python -m gn_det.cli.lazyconfig_train_net`).
"""

from gn_det.cli.lazyconfig_train_net import run

if __name__ == "__main__":
    run()
