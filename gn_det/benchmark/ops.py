"""GN and BN alone, on the model's own feature-map shapes, against a plain copy.

A norm layer is memory bound: its floor is reading the input once and writing the output
once (forward), plus reading input and output gradient and writing the input gradient
(backward). Achieved GB/s = those bytes / time; the fraction of a ``copy_`` of the same
tensor (read once, write once) says how close to the device's bandwidth each op gets.
"""

import collections
import time

import torch
import torch.nn.functional as F
from detectron2.utils.events import EventStorage
from tabulate import tabulate
from torch import nn

from ..modeling.speed.compile import compile_unavailable_reason

# Bytes moved per element (in units of the element size) at the floor of each op.
FLOOR_TRAFFIC = {"fwd": 2, "fwd+bwd": 5}


def norm_shapes(model, batch):
    """{(shape, groups): count} of the inputs of the model's GroupNorm layers during one
    training forward on ``batch``."""
    seen = collections.Counter()
    hooks = [
        m.register_forward_pre_hook(
            lambda m, args: seen.update([(tuple(args[0].shape), m.num_groups)])
        )
        for m in model.modules()
        if isinstance(m, nn.GroupNorm)
    ]
    try:
        model.train()
        with EventStorage():
            model(batch)
    finally:
        for h in hooks:
            h.remove()
    return dict(seen)


def time_call(fn, device, repeats=10, warmup=2):
    """Shortest wall time of ``fn()`` over ``repeats`` calls, in seconds (CUDA synchronized):
    an op's cost, as noise from other work on the machine only adds time."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times)


def _ops(x, groups, compiled_gn_relu=None):
    """{name: (pass, fn)} for one input ``x``: copy, GN and BN forward and forward+backward."""
    c = x.shape[1]
    w = torch.ones(c, device=x.device, dtype=torch.float32, requires_grad=True)
    b = torch.zeros(c, device=x.device, dtype=torch.float32, requires_grad=True)
    xg = x.detach().requires_grad_(True)
    dy = torch.ones_like(x)
    out = torch.empty_like(x)

    def gn(inp):
        return F.group_norm(inp, groups, w.to(inp.dtype), b.to(inp.dtype))

    def bn(inp):
        return F.batch_norm(inp, None, None, w.to(inp.dtype), b.to(inp.dtype), training=True)

    def backward(fn):
        return lambda: torch.autograd.grad(fn(xg), (xg, w, b), dy)

    ops = {
        "copy": ("fwd", lambda: out.copy_(x)),
        "GN": ("fwd", lambda: gn(x)),
        "GN+ReLU": ("fwd", lambda: F.relu(gn(x))),
        "BN": ("fwd", lambda: bn(x)),
        "GN bwd": ("fwd+bwd", backward(gn)),
        "BN bwd": ("fwd+bwd", backward(bn)),
    }
    if compiled_gn_relu is not None:
        ops["GN+ReLU compiled"] = ("fwd", lambda: compiled_gn_relu(x, groups, w, b))
    return ops


def _gn_relu(x, groups, w, b):
    return F.relu(F.group_norm(x, groups, w.to(x.dtype), b.to(x.dtype)))


def op_benchmark(
    shapes,
    device,
    *,
    dtype=torch.float32,
    channels_last=False,
    repeats=10,
    compile_gn=False,
    progress=None,
):
    """Per shape and in total (weighted by how often each shape occurs in the model): time,
    achieved GB/s and fraction of copy bandwidth of each op."""
    compile_gn = compile_gn and compile_unavailable_reason() is None
    compiled = None
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    rows, totals = [], collections.defaultdict(lambda: [0.0, 0.0])
    for i, ((shape, groups), count) in enumerate(sorted(shapes.items(), key=lambda s: -s[1])):
        x = torch.randn(shape, device=device, dtype=dtype).contiguous(memory_format=fmt)
        nbytes = x.numel() * x.element_size()
        copy_gbps = None
        if compile_gn:
            # A fresh compilation per shape, as a static-shape model compile gets: one shared
            # function hits dynamo's recompile limit after 8 shapes and runs eager after that.
            torch.compiler.reset()
            compiled = torch.compile(_gn_relu, dynamic=False)
        for name, (kind, fn) in _ops(x, groups, compiled).items():
            try:
                seconds = time_call(fn, device, repeats)
            except Exception as e:  # e.g. a compile failure: report it, keep the other ops
                rows.append(
                    {
                        "shape": list(shape),
                        "groups": groups,
                        "count": count,
                        "op": name,
                        "error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}",
                    }
                )
                continue
            traffic = FLOOR_TRAFFIC[kind] * nbytes
            gbps = traffic / seconds / 1e9
            copy_gbps = gbps if name == "copy" else copy_gbps
            rows.append(
                {
                    "shape": list(shape),
                    "groups": groups,
                    "count": count,
                    "op": name,
                    "seconds": seconds,
                    "gb_per_s": gbps,
                    "fraction_of_copy": gbps / copy_gbps if copy_gbps else None,
                }
            )
            totals[name][0] += count * seconds
            totals[name][1] += count * traffic
        if progress is not None:
            progress(i + 1, len(shapes), shape)
    copy_total = totals["copy"][1] / totals["copy"][0] / 1e9 if totals["copy"][0] else None
    total = {
        name: {
            "seconds": s,
            "gb_per_s": t / s / 1e9,
            "fraction_of_copy": (t / s / 1e9) / copy_total if copy_total else None,
        }
        for name, (s, t) in totals.items()
    }
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "channels_last": channels_last,
        "shapes": rows,
        "total": total,
    }


def ops_summary_table(ops, fmt="github"):
    """Totals over the model's GroupNorm shapes: time per iteration, GB/s, fraction of copy."""
    if "error" in ops:
        return f"ops: {ops['error']}"
    rows = [
        [
            name,
            f"{t['seconds'] * 1e3:.2f}",
            f"{t['gb_per_s']:.1f}",
            "-" if t["fraction_of_copy"] is None else f"{t['fraction_of_copy']:.0%}",
        ]
        for name, t in ops["total"].items()
    ]
    headers = ["op (all GN shapes of one iteration)", "ms", "GB/s", "of copy"]
    return tabulate(rows, headers=headers, tablefmt=fmt)
