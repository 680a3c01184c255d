"""What ``tools/benchmark.py`` runs: one config per variant, the interleaved models, the ops."""

import sys

import torch

from ..engine.setup import load_config
from ..utils.cpu_threads import passive_openmp_for_children
from .interleaved import (
    aa_control,
    aa_label,
    interleave,
    load_average,
    machine_info,
    report,
    summarize,
)
from .measure import PHASES, ModelBench
from .ops import norm_shapes, op_benchmark
from .worker import OutOfMemory, ProcessRunner, WorkerError

# Set before the user's KEY VALUE pairs: random weights (no download), and inference that
# keeps DETECTIONS_PER_IMAGE boxes in every model, so the mask head's work is the same.
BENCHMARK_DEFAULTS = ["MODEL.WEIGHTS", "", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]


def variant_configs(config_file, variants, opts=()):
    """{label: frozen config} for each variant (its norm and options override ``opts``)."""
    cfgs = {}
    for v in variants:
        cfg = load_config(config_file, [*BENCHMARK_DEFAULTS, *opts, *v.opts()])
        cfg.freeze()
        cfgs[v.label] = cfg
    return cfgs


def log(message):
    print(message, file=sys.stderr, flush=True)


def _progress(phase, round_, warmup, iters, times, status):
    what = "warm-up" if round_ < warmup else "round"
    n = round_ + 1 if round_ < warmup else round_ - warmup + 1
    total = warmup if round_ < warmup else iters
    cells = []
    for label, phases in times.items():
        st = status[label].get(phase, "ok")
        last = phases[phase]["wall"][-1:] if round_ >= warmup else []
        value = "OOM" if st.startswith("OOM") else ("error" if st != "ok" else "")
        cells.append(f"{label} {value or (f'{last[0]:.3f}s' if last and last[0] else 'ok')}")
    load = load_average()
    log(f"[{phase} {what} {n}/{total}] " + ", ".join(cells) + f"; load {load[0] if load else '?'}")


class _Failed:
    """Stands for a model that could not be built: every step reports the build failure."""

    def __init__(self, error):
        self.error = error

    def step(self, phase):
        raise self.error

    def peaks(self):
        return {}


def run_models(
    cfgs,
    *,
    baseline,
    batch,
    iters,
    warmup,
    synthetic=None,
    phases=PHASES,
    threads=None,
    aa=True,
    profile_steps=0,
    same_process=False,
):
    """Build every model in its own process (all in one with ``same_process``: no per-model
    memory then), measure them interleaved, return the results. With ``aa``, the baseline is
    built a second time: the A/A control. With ``profile_steps``, each model (not the A/A
    control) then profiles that many steps of each phase, after the measurement (the
    profiler's overhead is in no timed step)."""
    if aa:
        cfgs = {**cfgs, aa_label(baseline): cfgs[baseline]}
    passive_openmp_for_children()  # workers wait for a step in turn: their threads must sleep
    groups = [cfgs] if same_process else [{label: cfg} for label, cfg in cfgs.items()]
    runners, models = [], {}
    try:
        for group in groups:
            log(f"building {', '.join(group)} ...")
            try:
                runners.append(
                    ProcessRunner(group, batch=batch, synthetic=synthetic, threads=threads)
                )
                built = runners[-1].models
            except (OutOfMemory, WorkerError) as e:
                built = dict.fromkeys(group, e)
            for label, model in built.items():
                log(f"  {label}: {model if isinstance(model, Exception) else model.info}")
                models[label] = _Failed(model) if isinstance(model, Exception) else model
        times, status = interleave(
            models, iters=iters, warmup=warmup, phases=phases, progress=_progress
        )
        peaks = {}
        for label, model in models.items():
            try:
                peaks[label] = {} if same_process else model.peaks()
            except (OutOfMemory, WorkerError):
                peaks[label] = {}
        profiles = {}
        for label, model in models.items():
            for phase in phases if profile_steps and label != aa_label(baseline) else ():
                if status[label][phase] != "ok":
                    continue
                log(f"profiling {profile_steps} {phase} steps of {label} ...")
                try:
                    profiles.setdefault(label, {})[phase] = model.profile(phase, profile_steps)
                except (OutOfMemory, WorkerError) as e:
                    log(f"  {label}: {e}")
    finally:
        for runner in runners:
            runner.close()
    results = summarize(times, status, peaks, baseline=baseline, batch=batch)
    for label, profile in profiles.items():
        results[label]["profile"] = profile
    return results


def run_ops(cfg, *, batch, synthetic=None, repeats=10, compile_gn=False, threads=None):
    """The op benchmark on the GroupNorm input shapes of ``cfg``'s model (built here, with
    ``threads`` CPU threads for the duration)."""
    previous_threads = torch.get_num_threads()
    try:
        bench = ModelBench(cfg, batch=batch, synthetic=synthetic, num_batches=1, threads=threads)
        shapes = norm_shapes(bench.model, bench.batches[0])
        if not shapes:
            return {"error": "the model has no GroupNorm layer: give a GN/LN/IN variant"}
        log(f"ops: {len(shapes)} GroupNorm input shapes, {sum(shapes.values())} calls/iteration")
        return op_benchmark(
            shapes,
            bench.device,
            dtype=getattr(bench.model, "amp_dtype", None) or torch.float32,
            channels_last=bool(cfg.MODEL.SPEED.CHANNELS_LAST),
            repeats=repeats,
            compile_gn=compile_gn,
            progress=lambda i, n, shape: log(f"  ops [{i}/{n}] {list(shape)}"),
        )
    finally:
        torch.set_num_threads(previous_threads)


def benchmark_report(results, *, cfgs, args, baseline, command, load_before=None):
    """The JSON document of a run."""
    device = torch.device(next(iter(cfgs.values())).MODEL.DEVICE)
    meta = {
        "command": command,
        "config_file": args.config_file,
        "baseline": baseline,
        "batch": args.batch,
        "iters": args.iters,
        "warmup": args.warmup,
        "synthetic": args.synthetic,
        "threads": args.threads,
        "aa_control": not args.no_aa,
        "same_process": args.same_process,
        "load_before": load_before,
        "machine": machine_info(device),
        "aa": aa_control(results, baseline) if results else None,
    }
    return report(results, meta=meta)
