"""Measure what each norm (and speed option) costs: training and inference time, memory.

    python tools/benchmark.py --config-file configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml \
        --norms FrozenBN GN --iters 10 --json out.json
    python tools/benchmark.py --config-file configs/COCO/mask_rcnn_R_50_FPN_1x_gn.yaml \
        --norms FrozenBN GN GN+channels_last GN+bf16 --synthetic 320x320 --batch 2
    python tools/benchmark.py --config-file C --norms GN --ops      # GN/BN vs copy bandwidth

Each model runs in its own process (all in one with --same-process); phases run one after
the other, each warmed up, and steps are interleaved round-robin, so the ratios against
--baseline are fair on a busy machine. The baseline is built twice (the A/A control) unless
--no-aa; --profile N then profiles N steps of each phase of each model (torch.profiler).
A variant is a MODEL.NORM.TYPE kind with options:
KIND[+channels_last][+bf16|+fp16][+compile][+nofold][+WS]. Trailing KEY VALUE pairs apply to
every model. Random weights; FrozenBN is calibrated first.
"""

import argparse
import json
import os
import shlex
import sys

from ..benchmark.interleaved import aa_control, aa_summary, load_average, results_table
from ..benchmark.ops import ops_summary_table
from ..benchmark.profile import profile_tables
from ..benchmark.run import benchmark_report, log, run_models, run_ops, variant_configs
from ..benchmark.variants import BenchmarkError, parse_size, parse_variants
from ..utils.atomic_file import atomic_open
from ..utils.output_paths import check_output_file
from .arguments import non_negative, parse_args, positive
from .runner import run_cli


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config-file", required=True)
    p.add_argument("--norms", nargs="+", default=["FrozenBN", "GN"], help="variants to compare")
    p.add_argument("--baseline", help="variant the ratios are against (default: the first)")
    p.add_argument("--synthetic", help="HxW: synthetic images of this size instead of the data")
    p.add_argument("--batch", type=positive(int), default=2, help="images per training step")
    p.add_argument("--iters", type=positive(int), default=10, help="measured rounds")
    p.add_argument("--warmup", type=non_negative(int), default=2,
                   help="rounds run first and not measured")  # fmt: skip
    p.add_argument("--phases", nargs="+", choices=["train", "infer"], default=["train", "infer"])
    p.add_argument(
        "--threads", type=positive(int), help="CPU threads per model (default: PyTorch's)"
    )
    p.add_argument(
        "--no-aa",
        action="store_true",
        help="no A/A control (the baseline built twice); it costs one more model",
    )
    p.add_argument(
        "--same-process",
        action="store_true",
        help="all models in one worker process: finer ratios, no per-model peak memory",
    )
    p.add_argument(
        "--profile",
        type=non_negative(int),
        default=0,
        metavar="STEPS",
        help="then profile STEPS steps of each phase of each model (torch.profiler)",
    )
    p.add_argument("--json", help="write the results here")
    p.add_argument("--ops", action="store_true", help="also time GN/BN ops against a copy")
    p.add_argument("--ops-only", action="store_true", help="only the ops (no model timing)")
    p.add_argument("--ops-compile", action="store_true", help="--ops: add a compiled GN+ReLU")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config overrides")
    return p


def main(argv=None):
    args = parse_args(parser(), argv)
    if args.json:
        check_output_file(args.json, "--json")
    variants, baseline = parse_variants(args.norms, args.baseline)
    synthetic = parse_size(args.synthetic) if args.synthetic else None
    gn = [v.label for v in variants if v.is_group_norm]
    if (args.ops or args.ops_only) and not gn:
        raise BenchmarkError("--ops needs a GN, LN or IN variant in --norms")
    cfgs = variant_configs(args.config_file, variants, args.opts)
    command = shlex.join(["python", "tools/benchmark.py", *(argv or sys.argv[1:])])
    results = {}
    load_before = load_average()
    if not args.ops_only:
        results = run_models(
            cfgs,
            baseline=baseline,
            batch=args.batch,
            iters=args.iters,
            warmup=args.warmup,
            synthetic=synthetic,
            phases=args.phases,
            threads=args.threads,
            aa=not args.no_aa,
            profile_steps=args.profile,
            same_process=args.same_process,
        )
        print(results_table(results, baseline))
        print(aa_summary(aa_control(results, baseline)))
        for label, r in results.items():
            for phase, profile in r.get("profile", {}).items():
                print(f"\n{label}, {phase} step: {profile['step_ms']:.0f} ms profiled")
                print(profile_tables(profile))
    doc = benchmark_report(
        results, cfgs=cfgs, args=args, baseline=baseline, command=command, load_before=load_before
    )
    if args.ops or args.ops_only:
        doc["ops"] = run_ops(
            cfgs[gn[0]],
            batch=args.batch,
            synthetic=synthetic,
            compile_gn=args.ops_compile,
            threads=args.threads,
        )
        doc["ops"]["variant"] = gn[0]
        print(ops_summary_table(doc["ops"]))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with atomic_open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        log(f"wrote {args.json}")
    return doc


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
