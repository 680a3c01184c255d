"""Print a run's final AP line from its metrics.json: ``python -m gn_det.engine.summary``."""

import argparse
import sys

from .evaluation import final_ap_line, read_final_metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("metrics_json", help="metrics.json written by tools/train_net.py")
    parser.add_argument("--label", default="final", help="text before the APs")
    args = parser.parse_args(argv)
    try:
        ap = read_final_metrics(args.metrics_json)
    except FileNotFoundError:
        sys.exit(f"error: {args.metrics_json} does not exist (did training finish?)")
    if not ap:
        sys.exit(f"error: {args.metrics_json} holds no bbox/segm AP (no evaluation ran)")
    print(final_ap_line(ap, args.label))


if __name__ == "__main__":
    main()
