"""Whole tools/train_net.py runs of several arms (code tree + environment), interleaved.

    git archive 50de153 | tar -x -C /tmp/before        # the code before, as a tree
    python projects/Performance/whole_runs.py --out output/perf_demo \\
        --arm before=/tmp/before --arm after=.,OMP_WAIT_POLICY=PASSIVE --seeds 42 43 44

Each round runs every arm once per seed, in an order rotated each time (with --parallel, the
arms of a seed at the same time); an arm listed twice under two names is an A/A control.
Prints progress with ETA, then a table per run (wall and CPU time, s/iter, AP, load) and per
arm (AP over runs, ratios against --ref, and whether its losses equal --ref's run by run).
Results go to OUT/runs.json after every run; the same command skips the runs already there.
Trailing KEY VALUE pairs go to every run.
"""

import argparse
import json
import os

from ..benchmark.whole_runs import (
    Arm,
    ArmError,
    run_group,
    run_groups,
    run_order,
    summary_tables,
)
from ..utils.atomic_file import atomic_open
from .runner import run_cli

CONFIG = "configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml"
# What summary_tables reads of each recorded run.
RUN_KEYS = ("round", "seed", "arm", "returncode", "wall_s", "cpu_s", "s_per_iter", "data_time",
            "ap", "losses", "load_before")  # fmt: skip


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="folder of the runs and runs.json")
    p.add_argument("--arm", action="append", required=True, help="NAME=TREE[,KEY=VALUE...]")
    p.add_argument("--ref", help="arm the others are compared with (default: the first)")
    p.add_argument("--seeds", type=int, nargs="+", default=[42])
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument(
        "--parallel",
        action="store_true",
        help="run the arms of each seed at the same time (side by side)",
    )
    p.add_argument("--config", default=CONFIG, help="config file, relative to each tree")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE overrides for every run")
    return p


def read_runs(path):
    """The runs recorded in ``path`` (none if it does not exist); ArmError if it is not a
    list of run records as this tool writes them."""
    if not os.path.isfile(path):
        return []
    try:
        with open(path) as f:
            runs = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ArmError(f"{path}: not a runs file of this tool ({e}); move it away") from None
    if not isinstance(runs, list) or not all(
        isinstance(r, dict) and all(k in r for k in RUN_KEYS) for r in runs
    ):
        raise ArmError(
            f"{path}: expected a list of runs with keys {', '.join(RUN_KEYS)}; move it away"
        )
    return runs


def main(argv=None):
    args = parser().parse_args(argv)
    arms = [Arm.parse(a) for a in args.arm]
    names = [a.name for a in arms]
    ref = args.ref or names[0]
    if len(set(names)) != len(names) or ref not in names:
        raise ArmError(f"arm names must be unique and --ref one of them: {names}, {ref!r}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "runs.json")
    runs = read_runs(path)
    done = {(r["round"], r["seed"], r["arm"]) for r in runs if r["returncode"] == 0}
    order = run_order(arms, args.seeds, args.rounds)
    todo = [(rd, seed, arm) for rd, seed, arm in order if (rd, seed, arm.name) not in done]
    runs = [r for r in runs if (r["round"], r["seed"], r["arm"]) in done]
    groups = run_groups(todo, args.parallel)
    spent = []
    for i, group in enumerate(groups, 1):
        what = ", ".join(f"{arm.name} seed {seed} round {rd}" for rd, seed, arm in group)
        print(f"[{i}/{len(groups)}] {what}", flush=True)
        results = run_group(group, args.out, args.config, args.opts)
        for run in results:
            print(f"  {run['arm']}: {run['wall_s']:.0f} s wall, {run['cpu_s']:.0f} s CPU, "
                  f"AP {run['ap']}, exit {run['returncode']}", flush=True)  # fmt: skip
        runs += results
        spent.append(max(run["wall_s"] for run in results))
        print(f"  ETA {sum(spent) / len(spent) * (len(groups) - i) / 60:.0f} min", flush=True)
        with atomic_open(path, "w") as f:
            json.dump(runs, f, indent=1)
    print(summary_tables(runs, names, ref))
    return runs


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
