"""MODEL.SPEED.COMPILE: keys unchanged, and a clean eager fallback when compile cannot run."""

import logging

import torch
from torch import nn

from gn_det.modeling.speed import compile as compile_mod
from gn_det.modeling.speed import compile_forward


def gn_relu():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(4, 8, 3), nn.GroupNorm(2, 8), nn.ReLU())


def test_compile_failure_falls_back_to_eager(monkeypatch, caplog):
    def broken_compile(fn, **kwargs):
        def compiled(*args, **kw):
            raise RuntimeError("inductor: no C++ compiler\nmore detail")

        return compiled

    monkeypatch.setattr(torch, "compile", broken_compile)
    model = gn_relu()
    keys = list(model.state_dict())
    x = torch.randn(1, 4, 9, 9)
    expected = model(x)
    assert compile_forward(model)
    with caplog.at_level(logging.WARNING):
        out, again = model(x), model(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(again, expected)
    assert list(model.state_dict()) == keys
    warnings = [r.getMessage() for r in caplog.records if "torch.compile failed" in r.getMessage()]
    assert warnings == [
        "torch.compile failed, running eagerly: RuntimeError: inductor: no C++ compiler"
    ]


def test_compile_unavailable_stays_eager(monkeypatch, caplog):
    monkeypatch.setattr(compile_mod, "compile_unavailable_reason", lambda: "no torch.compile")
    model = gn_relu()
    with caplog.at_level(logging.WARNING):
        assert not compile_forward(model)
    assert "forward" not in vars(model)
    assert "no torch.compile; running eagerly" in caplog.text


def test_real_errors_still_raise_after_fallback(monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: fn)
    model = gn_relu()
    compile_forward(model)
    try:
        model(torch.randn(1, 3, 9, 9))  # wrong channel count: eager raises too
    except RuntimeError as e:
        assert "channels" in str(e)
    else:
        raise AssertionError("a wrong input must raise")
