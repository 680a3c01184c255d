"""Interleaved measurement of several models, and its summary: table, ratios, JSON.

Steps are run round-robin (one step of every model, then the next round), so a noisy,
shared machine slows all models alike; each ratio against the baseline is the median of
the per-round ratios, shown with the ratio of the fastest rounds in parentheses (noise only
adds time). A cell (model, phase) that runs out of memory is reported as OOM and the others
go on.
"""

import datetime
import platform
import statistics

import torch
from tabulate import tabulate

from .measure import PHASES
from .worker import OutOfMemory, WorkerError

SCHEMA_VERSION = 1


def interleave(runners, *, iters, warmup, phases=PHASES, progress=None):
    """Round-robin ``runner.step(phase)`` over ``runners`` ({label: runner}); returns
    ({label: {phase: [seconds per measured round, None where the cell failed]}},
     {label: {phase: "ok" | "OOM: ..." | "error: ..."}})."""
    times = {label: {phase: [] for phase in phases} for label in runners}
    status = {label: {phase: "ok" for phase in phases} for label in runners}
    for round_ in range(warmup + iters):
        measured = round_ >= warmup
        for phase in phases:
            for label, runner in runners.items():
                seconds = None
                if status[label][phase] == "ok":
                    try:
                        seconds = runner.step(phase)
                    except OutOfMemory as e:
                        status[label][phase] = f"OOM: {e}"
                    except WorkerError as e:
                        status[label][phase] = f"error: {e}"
                if measured:
                    times[label][phase].append(seconds)
        if progress is not None:
            progress(round_, warmup, iters, times, status)
    return times, status


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def paired_ratio(values, base):
    """Median over rounds of ``values[r] / base[r]`` (rounds where both ran)."""
    ratios = [v / b for v, b in zip(values, base) if v is not None and b]
    return statistics.median(ratios) if ratios else None


def _ratio_of_min(values, base):
    values, base = [v for v in values if v], [b for b in base if b]
    return min(values) / min(base) if values and base else None


def summarize(times, status, peaks, *, baseline, batch):
    """Per-model results with ratios against ``baseline``."""
    results = {}
    for label, phases in times.items():
        train, infer = _median(phases.get("train", [])), _median(phases.get("infer", []))
        results[label] = {
            "status": status[label],
            "train_s_per_iter": train,
            "infer_s_per_image": infer,
            "train_images_per_s": batch / train if train else None,
            "infer_images_per_s": 1 / infer if infer else None,
            "train_peak_mem_mb": peaks.get(label, {}).get("train"),
            "infer_peak_mem_mb": peaks.get(label, {}).get("infer"),
            "train_s_all": phases.get("train", []),
            "infer_s_all": phases.get("infer", []),
        }
    base = results[baseline]
    for r in results.values():
        mem, base_mem = r["train_peak_mem_mb"], base["train_peak_mem_mb"]
        r["vs_baseline"] = {
            "train": paired_ratio(r["train_s_all"], base["train_s_all"]),
            "infer": paired_ratio(r["infer_s_all"], base["infer_s_all"]),
            "train_peak_mem": mem / base_mem if mem and base_mem else None,
        }
        # Ratio of the fastest rounds: interference from other work only adds time.
        r["vs_baseline_fastest"] = {
            phase: _ratio_of_min(r[f"{phase}_s_all"], base[f"{phase}_s_all"])
            for phase in ("train", "infer")
        }
    return results


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
    return info


def report(results, *, meta):
    """The JSON document written by ``tools/benchmark.py --json``."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {"schema_version": SCHEMA_VERSION, "date": now, **meta, "results": results}


def _cell(value, fmt, status=None):
    if status and status != "ok":
        return "OOM" if status.startswith("OOM") else "error"
    return "-" if value is None else format(value, fmt)


def _ratio(value, fastest=None):
    if value is None:
        return "-"
    return f"x{value:.2f}" + ("" if fastest is None else f" (x{fastest:.2f})")


def results_table(results, baseline, fmt="github"):
    """The ratio table (times, memory, throughput) against ``baseline``."""
    headers = [
        "model",
        "train s/iter",
        f"vs {baseline}",
        "infer s/img",
        f"vs {baseline}",
        "train peak MiB",
        f"vs {baseline}",
        "train img/s",
        "infer img/s",
    ]
    rows = []
    for label, r in results.items():
        st, ratio, fastest = r["status"], r["vs_baseline"], r["vs_baseline_fastest"]
        rows.append(
            [
                label,
                _cell(r["train_s_per_iter"], ".3f", st.get("train")),
                _ratio(ratio["train"], fastest["train"]),
                _cell(r["infer_s_per_image"], ".3f", st.get("infer")),
                _ratio(ratio["infer"], fastest["infer"]),
                _cell(r["train_peak_mem_mb"], ".0f", st.get("train")),
                _ratio(ratio["train_peak_mem"]),
                _cell(r["train_images_per_s"], ".2f", st.get("train")),
                _cell(r["infer_images_per_s"], ".2f", st.get("infer")),
            ]
        )
    return tabulate(rows, headers=headers, tablefmt=fmt)
