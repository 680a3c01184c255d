"""Train one run per cell of a norm x images-per-batch (x GN groups) grid, then tabulate and
plot the metric: the paper's batch-size curve and group ablation for any config and data.

    python tools/sweep.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml \
        --output-dir output/sweep_det --norms BN GN GN+WS --batches 8 4 2 1
    python tools/sweep.py --task classification --config-file C --output-dir D \
        --norms GN --batches 32 --groups 1 2 4 8 16 32 64 --base-batch 32 --base-lr 0.05

Every cell is a normal run of tools/train_net.py (detection) or tools/pretrain_backbone.py
(classification) in ``<output-dir>/<cell>``: learning rate scaled linearly with the batch
size and, by default, equal epochs. Finished cells are skipped, unfinished ones resumed;
failed cells are recorded with their reason. Writes ``results.csv`` and PNG plots.
"""

import argparse
import os
import shlex
import signal

from ..sweep import (
    SCHEDULES,
    TASKS,
    BaseSchedule,
    Sweep,
    SweepError,
    build_grid,
    load_base_config,
    markdown_table,
    plot_sweep,
    validate_cells,
    write_results,
)
from ..utils.errors import Interrupted
from ..utils.output_paths import check_output_dir
from .arguments import non_negative
from .arguments import parse_args as checked_args
from .run_folder import own_folder
from .runner import run_cli


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", choices=sorted(TASKS), default="detection")
    p.add_argument("--config-file", required=True)
    p.add_argument("--output-dir", required=True, help="one folder per cell, results.csv, PNGs")
    p.add_argument("--norms", nargs="+", default=["BN", "GN"], help="e.g. BN GN LN IN GN+WS")
    p.add_argument("--batches", nargs="+", type=int, default=[8, 4, 2, 1])
    p.add_argument("--groups", nargs="*", type=int, default=[], help="GN group counts")
    p.add_argument("--channels-per-group", nargs="*", type=int, default=[])
    p.add_argument("--base-batch", type=non_negative(int), default=0,
                   help="batch size of --base-lr (default: detection SOLVER.IMS_PER_BATCH, "
                   "classification 32, pretrain_backbone.py's default)")  # fmt: skip
    p.add_argument(
        "--base-lr",
        type=float,
        default=0.0,
        help="LR at --base-batch (default: SOLVER.BASE_LR; classification 0.05)",
    )
    p.add_argument("--train-images", type=non_negative(int), default=0,
                   help="detection: training images per cell (default: the config's)")  # fmt: skip
    p.add_argument("--schedule", choices=SCHEDULES, default="epochs",
                   help="equal epochs (default) or equal iterations per cell")  # fmt: skip
    p.add_argument("--epochs", type=non_negative(int), default=0,
                   help="classification: epochs per cell")  # fmt: skip
    p.add_argument("--data", default="", help="classification: shapes or an image folder")
    p.add_argument("--tool-args", default="",
                   help="more arguments of the training tool, e.g. '--num-images 400'")  # fmt: skip
    p.add_argument("--threads", type=non_negative(int), default=0,
                   help="CPU threads per run (OMP_NUM_THREADS); 1 avoids oversubscription "
                   "when other jobs share the cores")  # fmt: skip
    p.add_argument("--retry-failed", action="store_true", help="run failed cells again")
    p.add_argument("--dry-run", action="store_true", help="validate and list cells; run none")
    p.add_argument("--report-only", action="store_true", help="results.csv and plots only")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config overrides")
    return checked_args(p, argv)


def make_sweep(args):
    """The validated Sweep that ``args`` describe; SweepError for bad input."""
    cells = build_grid(args.norms, args.batches, args.groups, args.channels_per_group)
    cfg = load_base_config(args.config_file, args.opts)
    task_cls = TASKS[args.task]
    base_batch = args.base_batch or task_cls.default_base[0]
    base_lr = args.base_lr or task_cls.default_base[1]
    schedule = BaseSchedule.from_config(cfg, base_batch, base_lr, args.train_images, args.schedule)
    extra = dict(epochs=args.epochs, data=args.data) if args.task == "classification" else {}
    task = task_cls(args.config_file, args.opts, schedule, shlex.split(args.tool_args), **extra)
    return Sweep(task, cells, args.output_dir, invalid=validate_cells(task, cells))


def _stop(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    sweep = make_sweep(args)
    if args.threads > 0:  # inherited by every cell's run
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    if args.dry_run:
        for row in sweep.rows():
            print(f"{row['folder']}: {row['status']} {row.get('reason') or ''}".rstrip())
        return
    if args.report_only and not os.path.isdir(args.output_dir):
        raise SweepError(f"--output-dir {args.output_dir} does not exist: nothing to report")
    check_output_dir(args.output_dir, "--output-dir")
    with own_folder(args.output_dir, "--output-dir"):
        run_and_report(args, sweep)


def run_and_report(args, sweep):
    """Run the cells (unless --report-only), then write results.csv and the plots."""
    if args.report_only:
        rows = sweep.rows()
        write_results(sweep.csv_path, sweep.task, rows)
    else:
        try:
            rows = sweep.run(retry_failed=args.retry_failed)
        except KeyboardInterrupt:
            raise Interrupted("sweep: stopped; run the same command again to resume") from None
    for path in plot_sweep(rows, sweep.task, args.output_dir):
        print(f"sweep: wrote {path}")
    for metric in sweep.task.metrics:
        print(f"\n{sweep.task.labels[metric]}:\n{markdown_table(rows, metric)}")
    counts = {s: sum(r["status"] == s for r in rows) for s in ("done", "failed", "invalid")}
    print("\nsweep: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + f" of {len(rows)} cells")


def run():
    signal.signal(signal.SIGTERM, _stop)  # stop the running cell too; it resumes next time
    run_cli(main)


if __name__ == "__main__":
    run()
