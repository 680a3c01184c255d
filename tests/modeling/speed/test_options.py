"""channels_last and mixed precision: same outputs within tolerance; bad values rejected."""

import pytest
import torch
import torch.nn.functional as F
from detectron2.utils.events import EventStorage

from gn_det.modeling import NormConfigError, validate_norm_config
from gn_det.modeling.speed import autocast

from ...conftest import tiny_cfg
from .common import assert_same_predictions, build, inputs, predict


@pytest.fixture(scope="module")
def reference():
    """A tiny GN model in float32, NCHW: its state, test inputs, features and predictions."""
    model = build("MODEL.NORM.TYPE", "GN")
    _, test = inputs()
    return model.state_dict(), test, features(model, test), predict(model, test)


@torch.no_grad()
def features(model, test, dtype=None):
    model.eval()
    with autocast("cpu", dtype):
        return model.backbone(model.preprocess_image(test).tensor)


def test_channels_last_same_predictions_and_nhwc_features(reference):
    state, test, _, predictions = reference
    nhwc = build("MODEL.NORM.TYPE", "GN", "MODEL.SPEED.CHANNELS_LAST", True, state=state)
    conv = nhwc.backbone.bottom_up.stem.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    for feature in features(nhwc, test).values():
        assert feature.is_contiguous(memory_format=torch.channels_last)
    assert_same_predictions(predict(nhwc, test), predictions, atol=1e-4)


def test_bfloat16_close_to_float32_and_outputs_float32(reference):
    state, test, ref, _ = reference
    bf16 = build("MODEL.NORM.TYPE", "GN", "MODEL.SPEED.AMP_DTYPE", "bfloat16", state=state)
    assert bf16.amp_dtype == torch.bfloat16
    low = features(bf16, test, torch.bfloat16)
    for name, feature in ref.items():
        assert low[name].dtype == torch.bfloat16
        err = (low[name].float() - feature).norm() / feature.norm()
        assert err < 0.05, f"{name}: relative error {err:.3f}"
    (boxes, scores, _), *_ = predict(bf16, test[:1])
    assert boxes.dtype == scores.dtype == torch.float32


def test_bfloat16_training_losses_close():
    train, _ = inputs(num=1)
    losses = {}
    for dtype in ("", "bfloat16"):
        model = build("MODEL.NORM.TYPE", "GN", "MODEL.SPEED.AMP_DTYPE", dtype)
        model.train()
        with EventStorage():
            torch.manual_seed(3)
            losses[dtype] = {k: v.item() for k, v in model(train).items()}
    for key, value in losses[""].items():
        assert abs(losses["bfloat16"][key] - value) < 0.05 * abs(value) + 0.02, key


def test_group_norm_statistics_are_float32_under_autocast():
    # A large offset makes bfloat16-accumulated statistics visibly wrong.
    x = (torch.randn(1, 32, 64, 64) + 30).to(torch.bfloat16)
    with autocast("cpu", torch.bfloat16):
        y = F.group_norm(x, 4)
    ref = F.group_norm(x.double(), 4)
    torch.testing.assert_close(y.double(), ref, atol=0.05, rtol=0.02)


def test_bad_amp_dtype_is_one_clear_error():
    cfg = tiny_cfg()
    cfg.MODEL.SPEED.AMP_DTYPE = "float8"
    with pytest.raises(NormConfigError, match="MODEL.SPEED.AMP_DTYPE='float8'.*bfloat16"):
        validate_norm_config(cfg)
