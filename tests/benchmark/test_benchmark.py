"""tools/benchmark.py and its package: variants, interleaving, OOM cells, JSON, calibration."""

import json

import pytest
import torch
from detectron2.layers import FrozenBatchNorm2d

from gn_det.benchmark.calibrate import calibrate_frozen_bn
from gn_det.benchmark.interleaved import interleave, paired_ratio, report, results_table, summarize
from gn_det.benchmark.variants import BenchmarkError, parse_size, parse_variants
from gn_det.benchmark.worker import OutOfMemory, _reply
from gn_det.cli import benchmark, run_cli
from gn_det.modeling.speed.fold_bn import folding_disabled
from gn_det.modeling.variant import VariantError

from ..conftest import TINY_CONFIG
from ..modeling.speed.common import build, inputs


class FakeRunner:
    """Returns fixed times; raises OutOfMemory for the phases in ``oom``."""

    def __init__(self, train, infer, oom=()):
        self.times = {"train": train, "infer": infer}
        self.oom = oom
        self.calls = []

    def step(self, phase):
        self.calls.append(phase)
        if phase in self.oom:
            raise OutOfMemory("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.times[phase]


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


def test_interleaved_rounds_and_an_oom_cell_goes_on():
    runners = {"base": FakeRunner(1.0, 0.1), "gn": FakeRunner(1.2, 0.15, oom=("train",))}
    rounds = []
    times, status = interleave(runners, iters=3, warmup=1, progress=lambda r, *a: rounds.append(r))
    assert rounds == [0, 1, 2, 3]
    assert status["gn"]["train"].startswith("OOM: CUDA out of memory")
    assert status["gn"]["infer"] == "ok"
    assert runners["gn"].calls.count("train") == 1  # not retried after OOM
    assert runners["gn"].calls.count("infer") == 4
    assert times["gn"]["train"] == [None, None, None]
    results = summarize(times, status, {"base": {"train": 100.0}}, baseline="base", batch=2)
    assert results["gn"]["vs_baseline"]["infer"] == pytest.approx(1.5)
    assert results["gn"]["vs_baseline"]["train"] is None
    assert results["base"]["train_images_per_s"] == pytest.approx(2.0)
    table = results_table(results, "base")
    assert "| gn " in table and "OOM" in table and "x1.50" in table


def test_paired_ratio_is_median_of_rounds():
    assert paired_ratio([2, 3, 10], [1, 1, 1]) == 3
    assert paired_ratio([None, 4], [1, 2]) == 2


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
    assert doc["schema_version"] == 1 and doc["baseline"] == "FrozenBN"
    assert doc["machine"]["device"] == "cpu" and doc["threads"] == 1
    for label in ("FrozenBN", "GN"):
        r = doc["results"][label]
        assert r["status"] == {"train": "ok", "infer": "ok"}
        assert r["train_s_per_iter"] > 0 and r["infer_s_per_image"] > 0
        assert r["train_peak_mem_mb"] > 0
    assert doc["results"]["FrozenBN"]["vs_baseline"]["train"] == 1.0
    ops = doc["ops"]
    assert ops["variant"] == "GN" and {"copy", "GN", "BN", "GN bwd"} <= set(ops["total"])
    assert all(0 < r["gb_per_s"] for r in ops["shapes"] if "error" not in r)
    printed = capsys.readouterr().out
    assert "vs FrozenBN" in printed and "of copy" in printed
