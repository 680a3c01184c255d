"""Compare runs side by side: COCO AP table with deltas to a baseline, and PNG plots.

    python tools/compare_runs.py output/frozenbn output/bn output/gn --baseline frozenbn
    python tools/compare_runs.py a.json b.json --labels A B --out-dir comparison

Each argument is a run folder (OUTPUT_DIR of tools/train_net.py), a metrics file
(tools/evaluate.py --out) or a run's metrics.json. Prints the table as text (or Markdown
with --markdown) and writes to --out-dir: comparison.md, pr_curves.png,
per_category_ap.png and training_curves.png.
"""

import argparse
import os

from ..evaluation.compare import comparison_table, pick_baseline
from ..evaluation.plots import plot_per_category_ap, plot_pr_curves, plot_training_curves
from ..evaluation.runs import load_runs
from ..utils.output_paths import check_output_dir
from .arguments import parse_args
from .runner import run_cli

PLOTS = {
    "pr_curves.png": plot_pr_curves,
    "per_category_ap.png": plot_per_category_ap,
    "training_curves.png": plot_training_curves,
}


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="+", help="run folders, metrics files or metrics.json files")
    p.add_argument("--labels", nargs="+", help="names of the runs (default: folder names)")
    p.add_argument("--baseline", help="label (or 0-based index) of the baseline; default: first")
    p.add_argument("--out-dir", default="comparison", help="where the Markdown and PNGs go")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    return p


def main(argv=None):
    args = parse_args(parser(), argv)
    check_output_dir(args.out_dir, "--out-dir")
    runs = load_runs(args.runs, args.labels)
    baseline = pick_baseline(runs, args.baseline)
    print(comparison_table(runs, baseline, "markdown" if args.markdown else "text"))
    os.makedirs(args.out_dir, exist_ok=True)
    md = os.path.join(args.out_dir, "comparison.md")
    with open(md, "w") as f:
        f.write(comparison_table(runs, baseline, "markdown") + "\n")
    written = [md]
    for name, plot in PLOTS.items():
        path, notes = plot(runs, os.path.join(args.out_dir, name))
        for note in notes:
            print(f"note: {name}: {note}")
        if path:
            written.append(path)
    print("wrote " + ", ".join(written))


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
