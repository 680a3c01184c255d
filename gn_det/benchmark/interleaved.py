"""Interleaved measurement of several models, and its summary: table, ratios, JSON.

Phases run one after the other (all training rounds, then all inference rounds), each with
its own warm-up, so every measured step is steady-state work of one mode. Within a phase,
steps run round-robin (one step of every model, then the next round, each round starting one
model later, so no model keeps the first place), so a noisy, shared machine slows all
models alike. Each ratio against the baseline is the median of the
per-round ratios, with a 95% confidence interval from a bootstrap over rounds, for wall time
and for CPU time. An A/A control (the baseline built twice, in two processes) shows what
ratio the same model gets against itself: a ratio means something only where the A/A
control holds (its interval contains 1). A cell (model, phase) that runs out of memory is
reported as OOM and the others go on.
"""

import datetime
import os
import platform
import random
import statistics

import torch
from tabulate import tabulate

from .measure import PHASES
from .worker import OutOfMemory, WorkerError

SCHEMA_VERSION = 2
MEASURES = ("wall", "cpu")
AA_SUFFIX = " (A/A)"


def aa_label(baseline):
    """Label of the A/A control: a second model built exactly as ``baseline``."""
    return baseline + AA_SUFFIX


def interleave(runners, *, iters, warmup, phases=PHASES, progress=None):
    """For each phase, ``warmup`` then ``iters`` rounds of ``runner.step(phase)`` round-robin
    over ``runners`` ({label: runner}), in an order rotated by one model each round; a step
    returns {"wall": s, "cpu": s}. Returns
    ({label: {phase: {"wall": [s per measured round], "cpu": [...]}}} with None where the cell
    failed, {label: {phase: "ok" | "OOM: ..." | "error: ..."}})."""
    times = {label: {p: {m: [] for m in MEASURES} for p in phases} for label in runners}
    status = {label: {phase: "ok" for phase in phases} for label in runners}
    labels = list(runners)
    for phase in phases:
        for round_ in range(warmup + iters):
            measured = round_ >= warmup
            shift = round_ % len(labels)  # each model takes each place in the round in turn
            for label in labels[shift:] + labels[:shift]:
                runner, seconds = runners[label], None
                if status[label][phase] == "ok":
                    try:
                        seconds = runner.step(phase)
                    except OutOfMemory as e:
                        status[label][phase] = f"OOM: {e}"
                    except WorkerError as e:
                        status[label][phase] = f"error: {e}"
                if measured:
                    for m in MEASURES:
                        times[label][phase][m].append(seconds[m] if seconds else None)
            if progress is not None:
                progress(phase, round_, warmup, iters, times, status)
    return times, status


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _round_ratios(values, base):
    return [v / b for v, b in zip(values, base) if v is not None and b]


def paired_ratio(values, base):
    """Median over rounds of ``values[r] / base[r]`` (rounds where both ran)."""
    ratios = _round_ratios(values, base)
    return statistics.median(ratios) if ratios else None


def bootstrap_ci(values, base, *, level=0.95, resamples=2000, seed=0):
    """Percentile bootstrap interval of ``paired_ratio``: rounds resampled with replacement
    (seeded, so a result file reproduces); None with fewer than 3 paired rounds."""
    ratios = _round_ratios(values, base)
    if len(ratios) < 3:
        return None
    rng = random.Random(seed)
    medians = sorted(
        statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(resamples)
    )
    tail = (1 - level) / 2
    return [medians[int(tail * resamples)], medians[int((1 - tail) * resamples) - 1]]


def _ratio_of_min(values, base):
    values, base = [v for v in values if v], [b for b in base if b]
    return min(values) / min(base) if values and base else None


def _key(phase, measure):
    return phase if measure == "wall" else f"{phase}_cpu"


def summarize(times, status, peaks, *, baseline, batch):
    """Per-model results with ratios (and their intervals) against ``baseline``."""
    results = {}
    for label, phases in times.items():
        r = {"status": status[label]}
        for phase, unit in (("train", "iter"), ("infer", "image")):
            cells = phases.get(phase, {m: [] for m in MEASURES})
            wall, cpu = _median(cells["wall"]), _median(cells["cpu"])
            r[f"{phase}_s_per_{unit}"] = wall
            r[f"{phase}_cpu_s_per_{unit}"] = cpu
            images = batch if phase == "train" else 1
            r[f"{phase}_images_per_s"] = images / wall if wall else None
            r[f"{phase}_peak_mem_mb"] = peaks.get(label, {}).get(phase)
            r[f"{phase}_s_all"] = cells["wall"]
            r[f"{phase}_cpu_s_all"] = cells["cpu"]
        results[label] = r
    base = results[baseline]
    for r in results.values():
        r["vs_baseline"], r["vs_baseline_ci"], r["vs_baseline_fastest"] = {}, {}, {}
        for phase in ("train", "infer"):
            for m in MEASURES:
                suffix = "" if m == "wall" else "_cpu"
                values, ref = r[f"{phase}{suffix}_s_all"], base[f"{phase}{suffix}_s_all"]
                r["vs_baseline"][_key(phase, m)] = paired_ratio(values, ref)
                r["vs_baseline_ci"][_key(phase, m)] = bootstrap_ci(values, ref)
                # Ratio of the fastest rounds: interference from other work only adds time.
                r["vs_baseline_fastest"][_key(phase, m)] = _ratio_of_min(values, ref)
        mem, base_mem = r["train_peak_mem_mb"], base["train_peak_mem_mb"]
        r["vs_baseline"]["train_peak_mem"] = mem / base_mem if mem and base_mem else None
    return results


def aa_control(results, baseline):
    """{phase_measure: {"ratio", "ci", "holds"}} of the A/A control, or None without one. It
    holds where its 95% interval contains 1 (no interval: fewer than 3 rounds, not shown)."""
    aa = results.get(aa_label(baseline))
    if aa is None:
        return None
    out = {}
    for key, ratio in aa["vs_baseline"].items():
        if key == "train_peak_mem" or ratio is None:
            continue
        ci = aa["vs_baseline_ci"].get(key)
        out[key] = {"ratio": ratio, "ci": ci, "holds": bool(ci) and ci[0] <= 1.0 <= ci[1]}
    return out


def aa_summary(control):
    """One line per phase and measure: the A/A ratio and whether the control holds."""
    if control is None:
        return "no A/A control in this run (--no-aa): the ratios have no noise reference"
    lines = []
    for key, c in control.items():
        phase, _, measure = key.partition("_")
        what = f"{phase} {'CPU' if measure else 'wall'} time"
        ci = c["ci"]
        interval = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
        verdict = "holds" if c["holds"] else "does NOT hold: ratios of this column are noise"
        if not ci:
            verdict = "unknown (an interval needs 3 rounds or more)"
        lines.append(f"A/A control, {what}: x{c['ratio']:.3f}{interval} {verdict}")
    return "\n".join(lines)


def machine_info(device):
    """Where the numbers were measured."""
    info = {
        "device": str(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu"] = names[0] if names else info["cpu"]
    except OSError:
        pass
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    info["load_average"] = load_average()
    return info


def load_average():
    """The machine's 1, 5 and 15 minute load averages (None where unknown): how busy it was."""
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def report(results, *, meta):
    """The JSON document written by ``tools/benchmark.py --json``."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {"schema_version": SCHEMA_VERSION, "date": now, **meta, "results": results}


def _cell(value, fmt, status=None):
    if status and status != "ok":
        return "OOM" if status.startswith("OOM") else "error"
    return "-" if value is None else format(value, fmt)


def _ratio(value, ci=None):
    if value is None:
        return "-"
    return f"x{value:.2f}" + ("" if ci is None else f" [{ci[0]:.2f}, {ci[1]:.2f}]")


def results_table(results, baseline, fmt="github"):
    """The ratio table against ``baseline``: wall and CPU time of each phase with 95%
    intervals, and peak memory."""
    vs = f"vs {baseline}"
    headers = ["model", "train s/iter", vs, "train CPU s", f"CPU {vs}", "infer s/img", vs,
               "infer CPU s", f"CPU {vs}", "train peak MiB", vs]  # fmt: skip
    rows = []
    for label, r in results.items():
        st, ratio, ci = r["status"], r["vs_baseline"], r["vs_baseline_ci"]
        row = [label]
        for phase, unit in (("train", "iter"), ("infer", "image")):
            for m in MEASURES:
                suffix = "" if m == "wall" else "_cpu"
                row.append(_cell(r[f"{phase}{suffix}_s_per_{unit}"], ".3f", st.get(phase)))
                row.append(_ratio(ratio[_key(phase, m)], ci[_key(phase, m)]))
        row.append(_cell(r["train_peak_mem_mb"], ".0f", st.get("train")))
        row.append(_ratio(ratio["train_peak_mem"]))
        rows.append(row)
    return tabulate(rows, headers=headers, tablefmt=fmt)
