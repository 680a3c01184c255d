"""tools/benchmark.py and its package: variants, interleaving, OOM cells, JSON, calibration."""

import json

import pytest
import torch
from detectron2.layers import FrozenBatchNorm2d

from gn_det.benchmark.calibrate import calibrate_frozen_bn
from gn_det.benchmark.interleaved import (
    aa_control,
    aa_label,
    aa_summary,
    bootstrap_ci,
    interleave,
    paired_ratio,
    report,
    results_table,
    summarize,
)
from gn_det.benchmark.variants import BenchmarkError, parse_size, parse_variants
from gn_det.benchmark.worker import OutOfMemory, _reply
from gn_det.cli import benchmark, run_cli
from gn_det.modeling.speed.fold_bn import folding_disabled
from gn_det.modeling.variant import VariantError

from ..conftest import TINY_CONFIG
from ..modeling.speed.common import build, inputs


class FakeRunner:
    """Returns fixed times (CPU time: 90% of wall); raises OutOfMemory for the phases in
    ``oom``; records the phase of each call."""

    def __init__(self, train, infer, oom=()):
        self.times = {"train": train, "infer": infer}
        self.oom = oom
        self.calls = []

    def step(self, phase):
        self.calls.append(phase)
        if phase in self.oom:
            raise OutOfMemory("CUDA out of memory. Tried to allocate 2.00 GiB")
        t = self.times[phase]
        t = t(len(self.calls)) if callable(t) else t
        return {"wall": t, "cpu": 0.9 * t}


def test_variants_and_sizes():
    variants, baseline = parse_variants(["FrozenBN", "GN+channels_last+bf16"])
    assert baseline == "FrozenBN"
    assert variants[1].opts() == [
        "MODEL.NORM.TYPE",
        "GN",
        "MODEL.SPEED.CHANNELS_LAST",
        "True",
        "MODEL.SPEED.AMP_DTYPE",
        "bfloat16",
    ]
    with pytest.raises(VariantError, match="unknown norm kind 'XN'; valid kinds: FrozenBN"):
        parse_variants(["XN"])
    with pytest.raises(VariantError, match="unknown option.*turbo"):
        parse_variants(["GN+turbo"])
    with pytest.raises(BenchmarkError, match="--baseline 'BN' is not one of"):
        parse_variants(["GN"], "BN")
    assert parse_size("320x256") == (320, 256)
    with pytest.raises(BenchmarkError, match="--synthetic '320': expected HxW"):
        parse_size("320")


def test_phases_run_in_blocks_of_interleaved_rounds_and_an_oom_cell_goes_on():
    runners = {"base": FakeRunner(1.0, 0.1), "gn": FakeRunner(1.2, 0.15, oom=("train",))}
    rounds = []
    times, status = interleave(
        runners, iters=3, warmup=1, progress=lambda phase, r, *a: rounds.append((phase, r))
    )
    assert rounds == [("train", r) for r in range(4)] + [("infer", r) for r in range(4)]
    # Steady state: each model switches mode once, not at every step.
    assert runners["base"].calls == ["train"] * 4 + ["infer"] * 4
    order = []
    for label, runner in runners.items():
        runner.step = lambda phase, label=label: order.append(label) or {"wall": 1, "cpu": 1}
    interleave(runners, iters=2, warmup=0, phases=["train"])
    assert order == ["base", "gn", "gn", "base"]  # no model is always first in its round
    assert status["gn"]["train"].startswith("OOM: CUDA out of memory")
    assert status["gn"]["infer"] == "ok"
    assert runners["gn"].calls.count("train") == 1  # not retried after OOM
    assert runners["gn"].calls.count("infer") == 4
    assert times["gn"]["train"] == {"wall": [None] * 3, "cpu": [None] * 3}
    assert times["gn"]["infer"]["cpu"] == pytest.approx([0.135] * 3)
    results = summarize(times, status, {"base": {"train": 100.0}}, baseline="base", batch=2)
    assert results["gn"]["vs_baseline"]["infer"] == pytest.approx(1.5)
    assert results["gn"]["vs_baseline"]["infer_cpu"] == pytest.approx(1.5)
    assert results["gn"]["vs_baseline_ci"]["infer"] == pytest.approx([1.5, 1.5])
    assert results["gn"]["vs_baseline"]["train"] is None
    assert results["base"]["train_images_per_s"] == pytest.approx(2.0)
    assert results["base"]["infer_cpu_s_per_image"] == pytest.approx(0.09)
    table = results_table(results, "base")
    assert "| gn " in table and "OOM" in table and "x1.50 [1.50, 1.50]" in table
    assert "CPU vs base" in table


def test_paired_ratio_is_median_of_rounds():
    assert paired_ratio([2, 3, 10], [1, 1, 1]) == 3
    assert paired_ratio([None, 4], [1, 2]) == 2


def test_bootstrap_interval_covers_the_spread_of_the_rounds():
    base = [1.0] * 20
    assert bootstrap_ci([1.0] * 20, base) == [1.0, 1.0]
    noisy = [1.0 + 0.1 * ((7 * i) % 5 - 2) for i in range(20)]  # 0.8 .. 1.2
    low, high = bootstrap_ci(noisy, base)
    assert 0.8 <= low < 1.0 < high <= 1.2
    assert bootstrap_ci(noisy, base) == [low, high]  # seeded: a result file reproduces
    assert bootstrap_ci([1.0, 2.0], [1.0, 1.0]) is None  # too few rounds for an interval


def test_aa_control_holds_only_when_its_interval_contains_one():
    same = {"base": FakeRunner(1.0, 0.1), aa_label("base"): FakeRunner(1.0, 0.1)}
    times, status = interleave(same, iters=5, warmup=0)
    control = aa_control(summarize(times, status, {}, baseline="base", batch=1), "base")
    assert control["train"] == {"ratio": 1.0, "ci": [1.0, 1.0], "holds": True}
    assert "holds" in aa_summary(control) and "NOT" not in aa_summary(control)
    # The second process is slower at inference in every round: not noise, a broken control.
    drift = {"base": FakeRunner(1.0, 0.1), aa_label("base"): FakeRunner(1.0, 0.12)}
    times, status = interleave(drift, iters=5, warmup=0)
    control = aa_control(summarize(times, status, {}, baseline="base", batch=1), "base")
    assert control["train"]["holds"] and not control["infer_cpu"]["holds"]
    assert "infer CPU time: x1.200 [1.20, 1.20] does NOT hold" in aa_summary(control)
    assert aa_control({}, "base") is None and "no A/A control" in aa_summary(None)


def test_worker_reports_out_of_memory():
    sent = []

    class Conn:
        def send(self, message):
            sent.append(message)

    def oom():
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    _reply(Conn(), oom)
    _reply(Conn(), lambda: 0.5)
    assert sent[0][0] == "oom" and "Tried to allocate" in sent[0][1]
    assert sent[1] == ("ok", 0.5)


def test_calibrated_frozen_bn_normalizes_its_inputs():
    model = build("MODEL.NORM.TYPE", "FrozenBN")
    _, test = inputs()
    assert calibrate_frozen_bn(model, [test]) == 36
    seen = []
    layers = [m for m in model.modules() if isinstance(m, FrozenBatchNorm2d)]
    hooks = [m.register_forward_hook(lambda m, a, out: seen.append(out.clone())) for m in layers]
    with torch.no_grad(), folding_disabled():
        model.eval()
        model.backbone(model.preprocess_image(test).tensor)
    for h in hooks:
        h.remove()
    assert len(seen) == 20 + 8  # ResNet and FPN convs (the heads do not run here)
    for out in seen:
        assert out.mean(dim=(0, 2, 3)).abs().max() < 1e-3
        assert (out.var(dim=(0, 2, 3), unbiased=False) - 1).abs().max() < 1e-2


def run_tool(argv):
    return run_cli(benchmark.main, argv)


def test_tool_bad_input_is_one_error_line():
    with pytest.raises(SystemExit, match=r"^error: --norms 'XN': unknown norm kind 'XN'"):
        run_tool(["--config-file", str(TINY_CONFIG), "--norms", "GN", "XN"])
    with pytest.raises(SystemExit, match=r"^error: bad KEY VALUE override"):
        run_tool(["--config-file", str(TINY_CONFIG), "MODEL.NOPE", "1"])
    with pytest.raises(SystemExit, match=r"^error: --ops needs a GN"):
        run_tool(["--config-file", str(TINY_CONFIG), "--norms", "FrozenBN", "--ops-only"])


def test_tool_end_to_end_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = "--norms FrozenBN GN --synthetic 64x64 --batch 1 --iters 1 --warmup 0 --threads 1"
    opts = "--ops INPUT.MIN_SIZE_TEST 64 INPUT.MAX_SIZE_TEST 64"
    run_tool(["--config-file", str(TINY_CONFIG), "--json", str(out), *args.split(), *opts.split()])
    doc = json.loads(out.read_text())
    assert set(report({}, meta={})) <= set(doc)
    assert doc["schema_version"] == 2 and doc["baseline"] == "FrozenBN"
    assert doc["machine"]["device"] == "cpu" and doc["threads"] == 1
    assert set(doc["results"]) == {"FrozenBN", "GN", "FrozenBN (A/A)"}
    assert set(doc["aa"]) == {"train", "train_cpu", "infer", "infer_cpu"}
    assert len(doc["load_before"]) == len(doc["machine"]["load_average"]) == 3
    for label in ("FrozenBN", "GN"):
        r = doc["results"][label]
        assert r["status"] == {"train": "ok", "infer": "ok"}
        assert r["train_s_per_iter"] > 0 and r["infer_s_per_image"] > 0
        assert r["train_cpu_s_per_iter"] > 0 and r["infer_cpu_s_per_image"] > 0
        assert r["train_peak_mem_mb"] > 0
    assert doc["results"]["FrozenBN"]["vs_baseline"]["train"] == 1.0
    ops = doc["ops"]
    assert ops["variant"] == "GN" and {"copy", "GN", "BN", "GN bwd"} <= set(ops["total"])
    assert all(0 < r["gb_per_s"] for r in ops["shapes"] if "error" not in r)
    printed = capsys.readouterr().out
    assert "vs FrozenBN" in printed and "of copy" in printed and "A/A control" in printed
