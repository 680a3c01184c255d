"""Whole training runs of several code versions or settings ("arms"), interleaved and compared.

``tools/benchmark.py`` times the model alone; a user waits for the whole run: start-up, data
loading, hooks, checkpoints and evaluation too. Here each arm is a repository tree (e.g. a
``git archive`` of an older commit) plus environment settings; every round runs
``tools/train_net.py`` once per arm and seed, in an order rotated each time, so a busy machine
slows every arm alike (or, with ``--parallel``, the arms of a seed run at the same time, side
by side under the same load). Each run reports its wall time, the CPU time of its processes (data
workers included), detectron2's seconds per iteration, its final AP and its logged losses,
so a change that must not alter the computation can be checked run by run. An arm's runs
start its own tree's ``tools/train_net.py`` (older trees hold the tool's code there, newer
ones a shim), so any two commits of the repository compare.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from tabulate import tabulate

from ..evaluation.summary import read_final_metrics
from ..utils.errors import GNDetError
from .interleaved import bootstrap_ci, load_average

LOSS_KEYS = ("total_loss", "loss_cls", "loss_box_reg", "loss_mask", "loss_rpn_cls", "loss_rpn_loc")
# Environment variables that decide threading: unset for every arm, then set by the arm.
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


class ArmError(GNDetError, ValueError):
    """A bad ``--arm`` value or runs file; the message names it."""


@dataclass(frozen=True)
class Arm:
    """A code tree and the environment its runs get."""

    name: str
    tree: str
    env: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text):
        """``NAME=TREE[,KEY=VALUE...]``, e.g. ``before=/tmp/main,OMP_WAIT_POLICY=PASSIVE``."""
        name, _, rest = text.partition("=")
        tree, *settings = rest.split(",")
        if not name or not tree:
            raise ArmError(f"--arm {text!r}: expected NAME=TREE[,KEY=VALUE...]")
        if not os.path.isfile(os.path.join(tree, "tools", "train_net.py")):
            raise ArmError(f"--arm {text!r}: {tree} holds no tools/train_net.py")
        env = {}
        for setting in settings:
            key, sep, value = setting.partition("=")
            if not sep or not key:
                raise ArmError(f"--arm {text!r}: {setting!r} is not KEY=VALUE")
            env[key] = value
        return cls(name, os.path.abspath(tree), env)

    def environ(self, base=None):
        """The environment of this arm's runs: ``base`` without threading settings, its own
        settings, and its tree first on PYTHONPATH (so ``gn_det`` is this tree's)."""
        env = {k: v for k, v in (os.environ if base is None else base).items()
               if k not in THREAD_VARS}  # fmt: skip
        env.update(self.env)
        env["PYTHONPATH"] = self.tree
        return env


def run_order(arms, seeds, rounds):
    """(round, seed, arm) in run order: arms rotated by one at every run group."""
    order, group = [], 0
    for round_ in range(rounds):
        for seed in seeds:
            shift = group % len(arms)
            order += [(round_, seed, arm) for arm in arms[shift:] + arms[:shift]]
            group += 1
    return order


def train_command(arm, config, seed, out_dir, opts=(), python=sys.executable):
    """The argv of one run of ``arm``'s tools/train_net.py."""
    tool = os.path.join(arm.tree, "tools", "train_net.py")
    return [python, tool, "--config-file", os.path.join(arm.tree, config),
            *map(str, opts), "SEED", str(seed), "OUTPUT_DIR", out_dir]  # fmt: skip


def read_run(out_dir):
    """What a finished run logged: final AP, losses and times per logged iteration, and
    detectron2's overall seconds per iteration (None where missing)."""
    metrics = os.path.join(out_dir, "metrics.json")
    records = []
    if os.path.isfile(metrics):
        with open(metrics) as f:
            records = [json.loads(line) for line in f if line.strip()]
    logged = [r for r in records if "total_loss" in r]
    speed = None
    log = os.path.join(out_dir, "log.txt")
    if os.path.isfile(log):
        with open(log, errors="replace") as f:
            found = re.findall(r"Overall training speed: \d+ iterations in \S+ \(([\d.]+) s / it\)",
                               f.read())  # fmt: skip
        speed = float(found[-1]) if found else None
    return {
        "ap": read_final_metrics(metrics) if records else {},
        "losses": [[r["iteration"], *(r.get(k) for k in LOSS_KEYS)] for r in logged],
        "data_time": statistics.median([r["data_time"] for r in logged]) if logged else None,
        "s_per_iter": speed,
    }


def start_run(arm, config, seed, out_dir, opts=(), base_env=None):
    """Start one training of ``arm`` in the background; a handle for ``finish_run``."""
    os.makedirs(out_dir, exist_ok=True)
    cmd = train_command(arm, config, seed, out_dir, opts)
    with open(os.path.join(out_dir, "stdout.txt"), "w") as log:
        proc = subprocess.Popen(cmd, cwd=arm.tree, env=arm.environ(base_env), stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
    return {"proc": proc, "start": time.perf_counter(), "load": load_average(), "cmd": cmd,
            "arm": arm.name, "seed": seed, "out_dir": out_dir}  # fmt: skip


def finish_run(handle):
    """Wait for a started run; its wall and CPU seconds (its data workers included), load
    averages and ``read_run`` results."""
    _, status, usage = os.wait4(handle["proc"].pid, 0)
    wall = time.perf_counter() - handle["start"]
    handle["proc"].returncode = os.waitstatus_to_exitcode(status)
    return {"arm": handle["arm"], "seed": handle["seed"],
            "returncode": handle["proc"].returncode, "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime, "load_before": handle["load"],
            "load_after": load_average(), "command": handle["cmd"],
            **read_run(handle["out_dir"])}  # fmt: skip


def run_once(arm, config, seed, out_dir, opts=(), base_env=None):
    """Run one training to its end; ``finish_run``'s results."""
    return finish_run(start_run(arm, config, seed, out_dir, opts, base_env))


def run_groups(order, parallel):
    """Lists of (round, seed, arm) that run at once: one run each, or with ``parallel`` the
    arms of one (round, seed)."""
    if not parallel:
        return [[item] for item in order]
    groups = {}
    for item in order:
        groups.setdefault(item[:2], []).append(item)
    return list(groups.values())


def run_group(group, out, config, opts=(), base_env=None):
    """Run a group of (round, seed, arm) at once; their results with their round."""
    handles = []
    for round_, seed, arm in group:
        out_dir = os.path.join(os.path.abspath(out), f"{arm.name}_seed{seed}_round{round_}")
        handles.append((round_, start_run(arm, config, seed, out_dir, opts, base_env)))
    return [{"round": round_, **finish_run(handle)} for round_, handle in handles]


def _pairs(runs, arm, ref, key):
    """Ratios arm/ref of ``key`` over the (round, seed) groups where both have a value."""
    by = {(r["round"], r["seed"], r["arm"]): r.get(key) for r in runs}
    return [by[g + (arm,)] / by[g + (ref,)] for g in {(r["round"], r["seed"]) for r in runs}
            if by.get(g + (arm,)) and by.get(g + (ref,))]  # fmt: skip


def _mean_ci(values):
    """Mean and 95% t-interval half-width (None with fewer than 2 values)."""
    t95 = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 7: 2.45, 8: 2.36, 9: 2.31, 10: 2.26}
    if not values:
        return None, None
    if len(values) < 2:
        return values[0], None
    half = t95.get(len(values), 2.0) * statistics.stdev(values) / len(values) ** 0.5
    return statistics.mean(values), half


def same_losses(runs, arm, ref):
    """Whether every (round, seed) of ``arm`` logged exactly the losses of ``ref``."""
    by = {(r["round"], r["seed"], r["arm"]): r["losses"] for r in runs}
    groups = {(r["round"], r["seed"]) for r in runs}
    pairs = [(by.get(g + (arm,)), by.get(g + (ref,))) for g in groups]
    pairs = [(a, b) for a, b in pairs if a and b]
    return bool(pairs) and all(a == b for a, b in pairs)


def summary_tables(runs, arms, ref, fmt="github"):
    """Per-run table, then per-arm AP (mean, 95% interval over runs) and ratios against
    ``ref`` (median of paired ratios, bootstrap 95% interval) with loss identity."""
    rows = []
    for r in runs:
        load = r["load_before"][0] if r["load_before"] else None
        rows.append([r["arm"], r["round"], r["seed"], f"{r['wall_s']:.0f}", f"{r['cpu_s']:.0f}",
                     _fmt(r["s_per_iter"], ".3f"), _fmt(r["data_time"], ".3f"),
                     _fmt(r["ap"].get("bbox"), ".2f"), _fmt(r["ap"].get("segm"), ".2f"),
                     _fmt(load, ".1f"), r["returncode"]])  # fmt: skip
    per_run = tabulate(rows, tablefmt=fmt, headers=[
        "arm", "round", "seed", "wall s", "CPU s", "s/iter", "data s/iter", "bbox AP",
        "segm AP", "load", "exit"])  # fmt: skip
    rows = []
    for arm in arms:
        mine = [r for r in runs if r["arm"] == arm]
        cells = [arm, len(mine)]
        for task in ("bbox", "segm"):
            mean, half = _mean_ci([r["ap"][task] for r in mine if task in r["ap"]])
            interval = f" ± {half:.2f}" if half is not None else ""
            cells.append("-" if mean is None else f"{mean:.2f}{interval}")
        for key in ("wall_s", "cpu_s", "s_per_iter"):
            ratios = _pairs(runs, arm, ref, key)
            ci = bootstrap_ci(ratios, [1.0] * len(ratios))
            med = statistics.median(ratios) if ratios else None
            cells.append(_fmt(med, ".2f", "x") + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""))
        cells.append("yes" if same_losses(runs, arm, ref) else "no")
        rows.append(cells)
    vs = f"vs {ref}"
    per_arm = tabulate(rows, tablefmt=fmt, disable_numparse=True, headers=[
        "arm", "runs", "bbox AP (95% CI)", "segm AP (95% CI)", f"wall {vs}", f"CPU {vs}",
        f"s/iter {vs}", f"losses identical to {ref}"])  # fmt: skip
    return f"{per_run}\n\n{per_arm}"


def _fmt(value, spec, prefix=""):
    return "-" if value is None else prefix + format(value, spec)
