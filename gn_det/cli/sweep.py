"""Train one run per cell of a norm x images-per-batch (x GN groups) grid and seed, then
tabulate and plot the metric with confidence intervals and judge the paper's claims: the
paper's batch-size curve, group ablation and carry-over for any config and data.

    python tools/sweep.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml \
        --output-dir output/sweep_det --norms BN GN GN+WS --batches 8 4 2 1 --seeds 0 1 2 \
        --results-dir projects/X/detection --jobs 2
    python tools/sweep.py --task classification --config-file C --output-dir D \
        --norms GN --batches 32 --groups 1 2 4 8 16 32 64 --base-batch 32 --base-lr 0.05
    python tools/sweep.py --configs a.yaml b.yaml --pretrain-seeds 0 1 --seeds 0 1 2 \
        --output-dir D --results-dir R          # config variants (fine-tunings) x seeds
    python tools/sweep.py --config-file C --norms BN GN --batches 8 2 --pretrain-seeds 0 \
        --output-dir D MODEL.WEIGHTS pre/{norm}_b32_s{pretrain_seed}/backbone.pkl
                                                # each norm fine-tuned from its own pretraining
    python tools/sweep.py --report-only --results-dir projects/X/detection \
        --sync-readme projects/X/README.md      # README tables copied from tables.md

Every run is a normal run of tools/train_net.py (detection) or tools/pretrain_backbone.py
(classification) in ``<output-dir>/<cell>[_s<seed>]``: learning rate scaled linearly with
the batch size and, by default, equal epochs. Finished runs are skipped, unfinished ones
resumed; failed runs are recorded with their reason. Writes ``results.csv`` to the output
folder; with ``--results-dir``, also the committed study files (runs.csv and curves.csv as
each run finishes; summary.csv, claims.csv, tables.md and PNG plots at the end). Each row
holds the fingerprint of the run's pretrained weights, and fine-tunings from other weights
than the folder's runs of the same norm and pretraining seed are refused.
"""

import argparse
import os
import shlex
import signal

from ..sweep import (
    SCHEDULES,
    TASKS,
    BaseSchedule,
    StudyRecords,
    Sweep,
    SweepError,
    VariantTask,
    build_grid,
    load_base_config,
    load_variants,
    markdown_table,
    plot_sweep,
    sync_readme,
    validate_cells,
    variant_cells,
    write_report,
    write_results,
)
from ..utils.cpu_threads import passive_openmp_for_children
from ..utils.errors import Interrupted
from ..utils.output_paths import check_output_dir
from .arguments import non_negative, positive
from .arguments import parse_args as checked_args
from .run_folder import own_folder
from .runner import run_cli

DEFAULT_NORMS, DEFAULT_BATCHES = ["BN", "GN"], [8, 4, 2, 1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", choices=sorted(TASKS), default="detection")
    p.add_argument("--config-file", help="the config every cell of the grid starts from")
    p.add_argument(
        "--configs",
        nargs="+",
        default=[],
        help="detection config variants to fine-tune as they are (one cell per "
        "config instead of the norm x batch grid); MODEL.WEIGHTS may name "
        "{pretrain_seed}",
    )
    p.add_argument("--output-dir", help="scratch: one folder per run, results.csv, PNGs")
    p.add_argument(
        "--results-dir",
        default="",
        help="the study's committed results: runs.csv and curves.csv (a row as each "
        "run finishes), summary.csv, claims.csv, tables.md, PNG plots",
    )
    p.add_argument("--study", default="", help="study name in runs.csv (default: the task)")
    p.add_argument("--norms", nargs="+", default=None, help="e.g. BN GN LN IN GN+WS")
    p.add_argument("--batches", nargs="+", type=int, default=None)
    p.add_argument("--groups", nargs="*", type=int, default=[], help="GN group counts")
    p.add_argument("--channels-per-group", nargs="*", type=int, default=[])
    p.add_argument(
        "--seeds",
        nargs="*",
        type=int,
        default=[],
        help="run every cell once per seed (the SEED config key: init, data order, "
        "augmentation); default: once, with the config's SEED",
    )
    p.add_argument(
        "--pretrain-seeds",
        nargs="*",
        type=int,
        default=[],
        help="fill MODEL.WEIGHTS's {pretrain_seed} with each (--configs, or a detection "
        "grid whose MODEL.WEIGHTS names it; {norm} there is each cell's norm)",
    )
    p.add_argument(
        "--base-batch",
        type=non_negative(int),
        default=0,
        help="batch size of --base-lr (default: detection SOLVER.IMS_PER_BATCH, "
        "classification 32, pretrain_backbone.py's default)",
    )
    p.add_argument(
        "--base-lr",
        type=float,
        default=0.0,
        help="LR at --base-batch (default: SOLVER.BASE_LR; classification 0.05)",
    )
    p.add_argument(
        "--train-images",
        type=non_negative(int),
        default=0,
        help="detection: training images per cell (default: the config's)",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default="epochs",
        help="equal epochs (default) or equal iterations per cell (those of the base batch)",
    )
    p.add_argument(
        "--schedule-scale",
        type=float,
        default=1.0,
        help="multiply the schedule (2: twice the iterations or epochs, labelled "
        "epochs_x2): the convergence check",
    )
    p.add_argument(
        "--evals-per-run",
        type=non_negative(int),
        default=0,
        help="detection: evaluate each run this many times, at the same epochs in every cell "
        "(the learning curve; sets TEST.EVAL_PERIOD; default: the config's)",
    )
    p.add_argument(
        "--epochs", type=non_negative(int), default=0, help="classification: epochs per cell"
    )
    p.add_argument("--data", default="", help="classification: shapes or an image folder")
    p.add_argument(
        "--tool-args",
        default="",
        help="more arguments of the training tool, e.g. '--num-images 400'",
    )
    p.add_argument(
        "--jobs",
        type=positive(int),
        default=1,
        help="runs at a time (each with --threads threads, default 1 then)",
    )
    p.add_argument(
        "--threads",
        type=non_negative(int),
        default=0,
        help="CPU threads per run (OMP_NUM_THREADS); 1 avoids oversubscription "
        "when other jobs share the cores",
    )
    p.add_argument(
        "--after-run",
        default="",
        help="shell command run after each finished run has been written to "
        "--results-dir (e.g. a git commit); $GN_DET_RUN names the run",
    )
    p.add_argument("--retry-failed", action="store_true", help="run failed cells again")
    p.add_argument(
        "--rerun-missing",
        metavar="FILE",
        default="",
        help="run again a run that --results-dir records as done but that has no run "
        "folder here holding FILE, an output a later step needs (e.g. backbone.pkl on a new "
        "machine); its rows are replaced, with the fingerprint of the FILE it wrote, and a "
        "retraining to other weights than the committed run's is reported",
    )
    p.add_argument(
        "--rerun",
        nargs="+",
        metavar="RUN",
        default=[],
        help="run these finished runs (by run folder name, e.g. GN_b32_g1_s0) again from "
        "scratch, for a cause found in how they ran, and replace their rows in --results-dir; "
        "the old folder is kept as <folder>.replaced. Needs --rerun-reason",
    )
    p.add_argument(
        "--rerun-reason",
        default="",
        help="why the --rerun runs are replaced; written into their rows' reason with the "
        "values they replace",
    )
    p.add_argument("--dry-run", action="store_true", help="validate and list cells; run none")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="no training: rewrite results.csv and plots of --output-dir from its "
        "folders and/or the report of --results-dir from its CSV files",
    )
    p.add_argument(
        "--sync-readme",
        nargs="+",
        metavar="README",
        default=[],
        help="with --report-only: rewrite these READMEs' tables marked '<!-- rows from "
        "results/<study>/tables.md -->' from those tables.md files (after the report)",
    )
    p.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config overrides")
    return checked_args(p, argv)


def make_sweep(args):
    """The validated Sweep that ``args`` describe; SweepError for bad input."""
    if not args.output_dir:
        raise SweepError("--output-dir is required (the folder of the run folders)")
    records = StudyRecords(args.results_dir) if args.results_dir else None
    common = dict(
        jobs=args.jobs,
        records=records,
        study=args.study,
        after_run=args.after_run,
        rerun_missing=args.rerun_missing,
        rerun=args.rerun,
        rerun_reason=args.rerun_reason,
    )
    if args.configs:
        if (
            args.config_file
            or args.norms
            or args.batches
            or args.groups
            or args.task != ("detection")
        ):
            raise SweepError(
                "--configs runs each config as it is: leave out --config-file, "
                "--norms, --batches, --groups and --task"
            )
        variants = load_variants(args.configs, args.opts, args.schedule_scale, args.evals_per_run)
        task = VariantTask(variants, args.opts, shlex.split(args.tool_args))
        label = next(iter(variants.values())).schedule.label
        cells = variant_cells(variants, args.pretrain_seeds, args.seeds, label)
        common["study"] = args.study or "variants"
        return Sweep(task, cells, args.output_dir, invalid=validate_cells(task, cells), **common)
    norms, batches = args.norms or DEFAULT_NORMS, args.batches or DEFAULT_BATCHES
    cfg = load_base_config(args.config_file, args.opts)
    task_cls = TASKS[args.task]
    detection = args.task == "detection"
    weights = cfg.MODEL.WEIGHTS if detection else ""  # may name {norm} and {pretrain_seed}
    check_pretrain_seeds(args.pretrain_seeds, weights)
    base_batch = args.base_batch or task_cls.default_base[0]
    base_lr = args.base_lr or task_cls.default_base[1]
    schedule = BaseSchedule.from_config(
        cfg,
        base_batch,
        base_lr,
        args.train_images,
        args.schedule,
        args.schedule_scale,
        args.evals_per_run,
    )
    cells = build_grid(
        norms,
        batches,
        args.groups,
        args.channels_per_group,
        args.seeds,
        schedule.label,
        args.pretrain_seeds,
    )
    extra = dict(weights=weights) if detection else dict(epochs=args.epochs, data=args.data)
    task = task_cls(args.config_file, args.opts, schedule, shlex.split(args.tool_args), **extra)
    return Sweep(task, cells, args.output_dir, invalid=validate_cells(task, cells), **common)


def check_pretrain_seeds(pretrain_seeds, weights):
    """A grid takes --pretrain-seeds exactly when its MODEL.WEIGHTS names {pretrain_seed}."""
    if pretrain_seeds and "{pretrain_seed}" not in weights:
        raise SweepError(
            "--pretrain-seeds goes with --configs or with a detection grid whose MODEL.WEIGHTS"
            f" names {{pretrain_seed}} (here: {weights!r})"
        )
    if "{pretrain_seed}" in weights and not pretrain_seeds:
        raise SweepError(f"MODEL.WEIGHTS {weights} names {{pretrain_seed}}; give --pretrain-seeds")


def _stop(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def report_only(args):
    """--report-only: the scratch folder's results.csv/plots and/or the study's report."""
    if not args.output_dir and not args.results_dir and not args.sync_readme:
        raise SweepError(
            "--report-only needs --results-dir, --sync-readme, or --output-dir with --config-file"
        )
    if args.output_dir and (args.config_file or args.configs):
        if not os.path.isdir(args.output_dir):
            raise SweepError(f"--output-dir {args.output_dir} does not exist: nothing to report")
        sweep = make_sweep(args)
        with own_folder(args.output_dir, "--output-dir"):  # not while a sweep writes there
            rows = sweep.rows()
            write_results(sweep.csv_path, sweep.task, rows)
            if not args.results_dir:
                print_scratch_report(sweep, rows, args.output_dir)
    if args.results_dir:
        print(write_report(args.results_dir))
    for readme in args.sync_readme:
        print(f"sweep: {readme}: {sync_readme(readme)} copied rows changed")


def print_scratch_report(sweep, rows, out_dir):
    for path in plot_sweep(rows, sweep.task, out_dir):
        print(f"sweep: wrote {path}")
    for metric in sweep.task.metrics:
        print(f"\n{sweep.task.labels[metric]}:\n{markdown_table(rows, metric)}")


def main(argv=None):
    args = parse_args(argv)
    if args.sync_readme and not args.report_only:
        raise SweepError("--sync-readme goes with --report-only")
    if args.report_only:
        return report_only(args)
    if not args.config_file and not args.configs:
        raise SweepError("--config-file (a grid) or --configs (variants) is required")
    if args.output_dir:  # before the cells are validated (their models built)
        check_output_dir(args.output_dir, "--output-dir")
    if args.results_dir:
        check_output_dir(args.results_dir, "--results-dir")
    sweep = make_sweep(args)
    threads = args.threads or (1 if args.jobs > 1 else 0)
    if threads > 0:  # inherited by every cell's run
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    passive_openmp_for_children()  # cells' threads sleep, not spin, while waiting
    if args.dry_run:
        recorded = {sweep.folder(c): "(recorded in runs.csv)" for c in sweep.recorded_done()}
        for cell in sweep.recorded_twins():
            twin = sweep.task.epochs_twin(cell).name
            recorded[sweep.folder(cell)] = f"(the training of {twin}, recorded in runs.csv)"
        for row in sweep.rows():
            reason = recorded.get(os.path.join(sweep.out_dir, row["folder"]))
            if reason:
                row = {**row, "status": "done", "reason": reason}
            print(f"{row['folder']}: {row['status']} {row.get('reason') or ''}".rstrip())
        return
    with own_folder(args.output_dir, "--output-dir"):
        try:
            rows = sweep.run(retry_failed=args.retry_failed)
        except KeyboardInterrupt:
            raise Interrupted("sweep: stopped; run the same command again to resume") from None
        if args.results_dir:
            print(write_report(args.results_dir))
        else:
            print_scratch_report(sweep, rows, args.output_dir)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("done", "failed", "invalid")}
    print("\nsweep: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + f" of {len(rows)} runs")


def run():
    signal.signal(signal.SIGTERM, _stop)  # stop the running cells too; they resume next time
    run_cli(main)


if __name__ == "__main__":
    run()
