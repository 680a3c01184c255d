"""Where a benchmark step's time goes: model stages and op kinds, from ``torch.profiler``.

Stages are ``record_function`` ranges put around the model's parts by forward hooks (ResNet,
FPN, RPN, box and mask heads) and around backward and the optimizer step, so each stage's
time is everything run inside it. Op kinds sum the self time of every operator by what it
does (convolution, norm, ROI align, ...); what no operator accounts for is Python and
dispatch overhead (on a GPU also the wait for the step's last kernels). Both are per step,
averaged over the profiled steps. On a GPU, the kernels' busy time against the step's wall
time says whether the host (Python, launches) or the device bounds the step.
"""

import collections
import contextlib

from tabulate import tabulate
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile, record_function

# (stage, module path in GeneralizedRCNN); nested ranges are reported net of their children.
STAGE_MODULES = (
    ("ResNet", "backbone.bottom_up"),
    ("FPN", "backbone"),
    ("RPN (with its losses)", "proposal_generator"),
    ("box pooler (ROI align)", "roi_heads.box_pooler"),
    ("box head", "roi_heads.box_head"),
    ("box predictor", "roi_heads.box_predictor"),
    ("mask pooler (ROI align)", "roi_heads.mask_pooler"),
    ("mask head (with its loss)", "roi_heads.mask_head"),
    ("ROI heads: sampling, box losses, post-processing", "roi_heads"),
)
FORWARD, BACKWARD, OPTIMIZER = "forward: ", "backward", "optimizer step"

# Op kinds by operator name (first match wins); the name's "_backward" says the direction.
OP_KINDS = (
    ("autograd engine", ("autograd::",)),
    ("convolution", ("convolution", "conv2d", "conv_transpose", "conv_depthwise")),
    ("GroupNorm", ("group_norm",)),
    ("BatchNorm / FrozenBN", ("batch_norm",)),
    ("ROI align", ("roi_align",)),
    ("linear (mm)", ("aten::mm", "aten::addmm", "aten::bmm")),
    ("NMS, sort, top-k", ("nms", "sort", "topk")),
    ("max pool", ("max_pool",)),
    ("loss functions", ("cross_entropy", "nll_loss", "smooth_l1", "binary_cross_entropy")),
    ("ReLU", ("relu", "threshold_backward", "clamp_min")),
    ("copies, casts, allocation", ("copy_", "_to_copy", "empty", "zeros", "fill_", "clone")),
)
OTHER_OPS = "other operators (elementwise, indexing, ...)"
PYTHON = "Python and dispatch overhead (no operator)"


def _module(model, path):
    for name in path.split("."):
        model = getattr(model, name, None)
        if model is None:
            return None
    return model


@contextlib.contextmanager
def stage_ranges(model):
    """``record_function`` ranges named ``forward: <stage>`` around the model's parts."""
    handles, open_ranges = [], {}
    for stage, path in STAGE_MODULES:
        module = _module(model, path)
        if module is None:
            continue

        def enter(module, args, name=FORWARD + stage):
            open_ranges.setdefault(name, []).append(record_function(name).__enter__())

        def leave(module, args, output, name=FORWARD + stage):
            open_ranges[name].pop().__exit__(None, None, None)

        handles += [module.register_forward_pre_hook(enter), module.register_forward_hook(leave)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def op_kind(name):
    """The kind of operator ``name`` (e.g. ``aten::convolution_backward``) and its direction."""
    direction = " (backward)" if "backward" in name else ""
    for kind, patterns in OP_KINDS:
        if any(p in name for p in patterns):
            return kind + direction
    return OTHER_OPS


def breakdown(events, steps, step_us):
    """{"stages": {stage: ms}, "ops": {kind: ms}, "top_ops": [(name, ms, calls)], "step_ms",
    "device_ms"} per step, from the profiler's ``events`` of ``steps`` steps lasting
    ``step_us`` in all; ``device_ms`` is the GPU kernels' time (0 on the CPU)."""
    ranges = collections.defaultdict(float)
    children = collections.defaultdict(float)
    ops = collections.defaultdict(float)
    top = collections.defaultdict(lambda: [0.0, 0])
    device_us = 0.0
    names = {FORWARD + s for s, _ in STAGE_MODULES} | {BACKWARD, OPTIMIZER}
    for e in events:
        if e.device_type == DeviceType.CPU:  # each kernel counts once, under its launching op
            device_us += e.self_device_time_total
        if e.name in names:
            ranges[e.name] += e.cpu_time_total
            parent = e.cpu_parent
            while parent is not None and parent.name not in names:
                parent = parent.cpu_parent
            if parent is not None:
                children[parent.name] += e.cpu_time_total
        elif "::" in e.name and not e.name.startswith("Optimizer."):
            ops[op_kind(e.name)] += e.self_cpu_time_total
            top[e.name][0] += e.self_cpu_time_total
            top[e.name][1] += 1
    per_step = 1000.0 * steps  # microseconds in all -> milliseconds per step
    stages = {name: (ranges[name] - children[name]) / per_step for name in ranges}
    forward = sum(v for k, v in stages.items() if k.startswith(FORWARD))
    rest = step_us / per_step - forward - stages.get(BACKWARD, 0) - stages.get(OPTIMIZER, 0)
    stages[FORWARD + "other (preprocessing, outside the parts)"] = max(rest, 0.0)
    op_ms = {k: v / per_step for k, v in ops.items()}
    op_ms[PYTHON] = max(step_us / per_step - sum(op_ms.values()), 0.0)
    top_ops = sorted(((n, t / per_step, c // steps) for n, (t, c) in top.items()),
                     key=lambda r: -r[1])[:15]  # fmt: skip
    return {
        "step_ms": step_us / per_step,
        "device_ms": device_us / per_step,
        "stages": stages,
        "ops": op_ms,
        "top_ops": top_ops,
    }


def profile_steps(run_step, model, steps):
    """Run ``run_step()`` ``steps`` times under the profiler (CPU activity, and CUDA where
    the model is); its ``breakdown``. ``run_step`` wraps backward and the optimizer step in
    ``record_function(BACKWARD)`` / ``record_function(OPTIMIZER)`` ranges."""
    activities = [ProfilerActivity.CPU]
    if next(model.parameters()).is_cuda:
        activities.append(ProfilerActivity.CUDA)
    with stage_ranges(model), profile(activities=activities) as prof:
        with record_function("profiled steps"):
            for _ in range(steps):
                run_step()
    events = prof.events()
    total = sum(e.cpu_time_total for e in events if e.name == "profiled steps")
    return breakdown(events, steps, total)


def _share_rows(ms, total):
    rows = sorted(ms.items(), key=lambda kv: -kv[1])
    return [[name, f"{v:.1f}", f"{100 * v / total:.0f}%"] for name, v in rows if v >= 0.05]


def profile_tables(result, fmt="github"):
    """The stage table, the op-kind table and the top operators of one ``breakdown``."""
    total = result["step_ms"]
    stages = tabulate(_share_rows(result["stages"], total), headers=["stage", "ms", "share"],
                      tablefmt=fmt)  # fmt: skip
    ops = tabulate(_share_rows(result["ops"], total), headers=["op kind", "ms", "share"],
                   tablefmt=fmt)  # fmt: skip
    top = tabulate([[n, f"{t:.1f}", c] for n, t, c in result["top_ops"]],
                   headers=["operator", "ms (self)", "calls"], tablefmt=fmt)  # fmt: skip
    tables = f"{stages}\n\n{ops}\n\n{top}"
    if result.get("device_ms"):
        busy = result["device_ms"]
        tables += (
            f"\n\nGPU kernels busy {busy:.1f} ms of the {total:.1f} ms step ({busy / total:.0%})"
        )
    return tables
