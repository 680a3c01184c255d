"""MODEL.NORM.WS: convs followed by GroupNorm convolve with standardized weights."""

import pytest
import torch
from detectron2.layers import Conv2d
from detectron2.modeling import build_model
from torch import nn
from torch.nn import functional as F

from gn_det.modeling import (
    NormConfigError,
    NormSpec,
    WSConv2d,
    convert_conv_to_ws,
    norm_parts,
    standardize_weight,
    validate_norm_config,
)

from ..conftest import tiny_cfg


def gn_conv(norm=True):
    torch.manual_seed(0)
    return Conv2d(4, 8, 3, padding=1, bias=not norm, norm=nn.GroupNorm(2, 8) if norm else None,
                  activation=nn.ReLU())  # fmt: skip


def test_standardized_weight_has_zero_mean_unit_std_per_filter():
    w = torch.randn(8, 4, 3, 3) * 3 + 1
    flat = standardize_weight(w).flatten(1)
    assert torch.allclose(flat.mean(1), torch.zeros(8), atol=1e-5)
    assert torch.allclose(flat.std(1), torch.ones(8), atol=1e-3)


def test_output_equals_manual_standardized_conv():
    conv = gn_conv()
    x = torch.randn(2, 4, 6, 6)
    ws = convert_conv_to_ws(nn.Sequential(conv))[0]
    assert isinstance(ws, WSConv2d)
    w = conv.weight.detach()
    mean = w.mean(dim=(1, 2, 3), keepdim=True)
    std = w.reshape(8, -1).std(dim=1).view(8, 1, 1, 1)  # unbiased, eps on the std
    expected = F.relu(conv.norm(F.conv2d(x, (w - mean) / (std + 1e-5), padding=1)))
    assert torch.allclose(ws(x), expected, atol=1e-5)
    assert not torch.allclose(ws(x), conv(x), atol=1e-3)  # it really differs from plain


def test_same_parameter_objects_and_gradients_flow():
    conv = gn_conv()
    ws = WSConv2d.from_conv(conv)
    assert ws.weight is conv.weight and ws.norm is conv.norm and ws.activation is conv.activation
    ws(torch.randn(2, 4, 6, 6)).sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    assert conv.norm.weight.grad is not None


def test_only_convs_followed_by_group_norm_are_converted():
    model = nn.Sequential(gn_conv(), gn_conv(norm=False), nn.Conv2d(8, 8, 1))
    model[1] = Conv2d(8, 8, 3, norm=nn.BatchNorm2d(8))
    convert_conv_to_ws(model)
    assert [type(m) for m in model] == [WSConv2d, Conv2d, nn.Conv2d]


def test_model_keys_unchanged_and_all_gn_convs_standardized():
    plain = build_model(tiny_cfg("MODEL.NORM.TYPE", "GN"))
    ws = build_model(tiny_cfg("MODEL.NORM.TYPE", "GN", "MODEL.NORM.WS", True))
    assert list(ws.state_dict()) == list(plain.state_dict())
    parts = norm_parts(ws.backbone, ws.roi_heads)
    convs = [c for part in parts.values() for _, c in part]
    assert len(convs) == 36 and all(isinstance(c, WSConv2d) for c in convs)
    # FPN and heads run their convs from plain lists: those point at the WS convs too.
    assert all(isinstance(c, WSConv2d) for c in ws.backbone.lateral_convs)
    assert all(isinstance(c, WSConv2d) for c in ws.roi_heads.mask_head.conv_norm_relus)
    assert sum(isinstance(m, WSConv2d) for m in ws.modules()) == 36  # predictors stay plain
    ws.load_state_dict(plain.state_dict())  # a GN checkpoint loads as is


def test_parts_left_out_are_not_standardized():
    model = build_model(tiny_cfg("MODEL.NORM.WS", True, "MODEL.NORM.PARTS", "['backbone']"))
    parts = norm_parts(model.backbone, model.roi_heads)
    assert all(isinstance(c, WSConv2d) for _, c in parts["backbone"])
    assert not any(isinstance(c, WSConv2d) for _, c in parts["fpn"] + parts["box_head"])


@pytest.mark.parametrize("kind", ["BN", "FrozenBN", "none", ""])
def test_ws_needs_a_group_norm_kind(kind):
    with pytest.raises(NormConfigError, match=f"MODEL.NORM.WS=True with MODEL.NORM.TYPE='{kind}'"):
        validate_norm_config(tiny_cfg("MODEL.NORM.TYPE", kind, "MODEL.NORM.WS", True))
    assert NormSpec("LN", ws=True).ws
