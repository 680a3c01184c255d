"""GN/BN op timings on the model's shapes (gn_det.benchmark.ops)."""

import pytest
import torch

from gn_det.benchmark import ops


def test_compiled_gn_relu_is_compiled_afresh_for_every_shape(monkeypatch):
    # One shared compiled function runs eager past dynamo's recompile limit (8 shapes), so
    # the "compiled" row of a 15-shape model would be mostly eager.
    compiles, resets = [], []
    monkeypatch.setattr(ops, "compile_unavailable_reason", lambda: None)
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: compiles.append(kw) or fn)
    monkeypatch.setattr(torch.compiler, "reset", lambda: resets.append(True))
    shapes = {((1, 8, 2 + i, 3), 4): 1 for i in range(10)}
    result = ops.op_benchmark(shapes, torch.device("cpu"), repeats=1, compile_gn=True)
    assert compiles == [{"dynamic": False}] * 10 and len(resets) == 10
    timed = [r for r in result["shapes"] if r["op"] == "GN+ReLU compiled"]
    assert len(timed) == 10 and all("error" not in r for r in timed)
    assert result["total"]["GN+ReLU compiled"]["seconds"] > 0


def test_no_compiled_row_where_compile_is_unavailable(monkeypatch):
    monkeypatch.setattr(ops, "compile_unavailable_reason", lambda: "no dynamo here")
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: pytest.fail("compiled"))
    result = ops.op_benchmark({((1, 8, 4, 4), 4): 2}, torch.device("cpu"), compile_gn=True)
    assert "GN+ReLU compiled" not in result["total"]
    assert {"copy", "GN", "BN", "GN bwd"} <= set(result["total"])
