"""Print a run's final AP line from its metrics.json: ``python -m gn_det.cli.summary``."""

import argparse
import os

from ..evaluation.errors import EvaluationInputError
from ..evaluation.summary import final_ap_line, read_final_metrics
from .runner import run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("metrics_json", help="metrics.json written by tools/train_net.py")
    parser.add_argument("--label", default="final", help="text before the APs")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.metrics_json):
        raise EvaluationInputError(f"{args.metrics_json} does not exist (did training finish?)")
    ap = read_final_metrics(args.metrics_json)
    if not ap:
        raise EvaluationInputError(f"{args.metrics_json} holds no bbox/segm AP (no evaluation ran)")
    print(final_ap_line(ap, args.label))


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
