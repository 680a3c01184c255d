"""What ``tools/benchmark.py`` runs: one config per variant, the interleaved models, the ops."""

import sys

import torch

from ..engine.setup import load_config
from .interleaved import interleave, machine_info, report, summarize
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


def _progress(round_, warmup, iters, times, status):
    what = "warm-up" if round_ < warmup else "round"
    n = round_ + 1 if round_ < warmup else round_ - warmup + 1
    total = warmup if round_ < warmup else iters
    parts = []
    for phase in next(iter(times.values()), {}):
        cells = []
        for label, phases in times.items():
            st = status[label].get(phase, "ok")
            last = phases.get(phase, [])[-1:] if round_ >= warmup else []
            value = "OOM" if st.startswith("OOM") else ("error" if st != "ok" else "")
            cells.append(f"{label} {value or (f'{last[0]:.3f}s' if last and last[0] else 'ok')}")
        parts.append(f"{phase}: " + ", ".join(cells))
    log(f"[{what} {n}/{total}] " + "; ".join(parts))


class _Failed:
    """Stands for a model that could not be built: every step reports the build failure."""

    def __init__(self, error):
        self.error = error

    def step(self, phase):
        raise self.error

    def peaks(self):
        return {}


def run_models(
    cfgs, *, baseline, batch, iters, warmup, synthetic=None, phases=PHASES, threads=None
):
    """Build every model in its own process, measure them interleaved, return the results."""
    runners = {}
    try:
        for label, cfg in cfgs.items():
            log(f"building {label} ...")
            try:
                runners[label] = ProcessRunner(
                    cfg, batch=batch, synthetic=synthetic, threads=threads
                )
                log(f"  {label}: {runners[label].info}")
            except (OutOfMemory, WorkerError) as e:
                log(f"  {label}: {e}")
                runners[label] = _Failed(e)
        times, status = interleave(
            runners, iters=iters, warmup=warmup, phases=phases, progress=_progress
        )
        peaks = {}
        for label, runner in runners.items():
            try:
                peaks[label] = runner.peaks()
            except (OutOfMemory, WorkerError):
                peaks[label] = {}
    finally:
        for runner in runners.values():
            if isinstance(runner, ProcessRunner):
                runner.close()
    return summarize(times, status, peaks, baseline=baseline, batch=batch)


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


def benchmark_report(results, *, cfgs, args, baseline, command):
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
        "machine": machine_info(device),
    }
    return report(results, meta=meta)
