"""MODEL.SPEED.FOLD_BN: FrozenBN/BN folded into the conv at inference gives the same outputs."""

import torch
from detectron2.layers import Conv2d, FrozenBatchNorm2d
from torch import nn

from gn_det.modeling.speed import BNFoldedConv2d, fold_bn_at_inference

from .common import assert_same_predictions, build, calibrated, inputs, predict


def random_stats(norm, seed):
    g = torch.Generator().manual_seed(seed)
    c = norm.num_features
    norm.running_mean.copy_(torch.randn(c, generator=g))
    norm.running_var.copy_(torch.rand(c, generator=g) + 0.5)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(c, generator=g))
        norm.bias.copy_(torch.randn(c, generator=g))


def conv_with(norm, bias=False):
    torch.manual_seed(0)
    return Conv2d(8, 16, 3, padding=1, bias=bias, norm=norm, activation=nn.ReLU())


def test_folded_conv_equals_conv_then_norm():
    for norm, bias in [(FrozenBatchNorm2d(16), False), (nn.BatchNorm2d(16), True)]:
        random_stats(norm, 1)
        conv = conv_with(norm, bias).eval()
        x = torch.randn(2, 8, 10, 12)
        with torch.no_grad():
            expected = conv(x)
            assert fold_bn_at_inference(nn.Sequential(conv)) == 1
            assert type(conv) is BNFoldedConv2d
            torch.testing.assert_close(conv(x), expected, atol=1e-5, rtol=1e-5)
            assert conv.__dict__.get("_fold_cache") is not None  # the folded path ran


def test_training_and_autograd_run_unfolded():
    norm = nn.BatchNorm2d(16)
    conv = conv_with(norm)
    fold_bn_at_inference(conv)
    x = torch.randn(2, 8, 6, 6)
    conv.eval()
    assert conv.__dict__.get("_fold_cache") is not None  # folded on eval()
    out = conv(x)  # grad enabled: conv, then norm, so gradients reach the norm
    torch.testing.assert_close(out, torch.relu(norm(conv._conv_forward(x, conv.weight, None))))
    out.sum().backward()
    assert norm.weight.grad is not None
    conv.train()
    assert conv.__dict__.get("_fold_cache") is None  # dropped on train()
    conv(x)
    assert norm.num_batches_tracked.item() == 1  # BN ran in training mode


def test_checkpoint_keys_unchanged_and_cache_follows_loaded_values():
    conv = conv_with(FrozenBatchNorm2d(16)).eval()
    keys = list(conv.state_dict())
    fold_bn_at_inference(conv)
    assert list(conv.state_dict()) == keys
    x = torch.randn(1, 8, 5, 5)
    with torch.no_grad():
        conv(x)  # builds the cache from the first statistics
        other = conv_with(FrozenBatchNorm2d(16)).eval()
        random_stats(other.norm, 2)
        conv.load_state_dict(other.state_dict())
        torch.testing.assert_close(conv(x), other(x), atol=1e-5, rtol=1e-5)


def test_frozen_bn_model_predicts_the_same_folded():
    unfolded = calibrated("MODEL.NORM.TYPE", "FrozenBN", "MODEL.SPEED.FOLD_BN", False)
    folded = build("MODEL.NORM.TYPE", "FrozenBN", state=unfolded.state_dict())
    assert any(type(m) is BNFoldedConv2d for m in folded.modules())
    assert not any(type(m) is BNFoldedConv2d for m in unfolded.modules())
    _, test = inputs()
    assert_same_predictions(predict(folded, test), predict(unfolded, test), atol=1e-4)


def test_fold_is_kept_while_current_and_remade_when_an_input_changes():
    conv = conv_with(FrozenBatchNorm2d(16))
    random_stats(conv.norm, 3)
    fold_bn_at_inference(conv)
    x = torch.randn(1, 8, 5, 5)
    conv.eval()
    fold = conv.__dict__["_fold_cache"]
    conv.eval()  # a second eval() (as a benchmark or an evaluation loop does) does not refold
    with torch.no_grad():
        conv(x)
    assert conv.__dict__["_fold_cache"] is fold
    with torch.no_grad():
        conv.norm.running_var.mul_(4)  # in place, e.g. calibration: seen by its version
        expected = torch.relu(conv.norm(conv._conv_forward(x, conv.weight, None)))
        torch.testing.assert_close(conv(x), expected, atol=1e-5, rtol=1e-5)
    assert conv.__dict__["_fold_cache"] is not fold
    conv.double()  # replaced inputs (dtype, device) drop the fold
    assert conv.__dict__.get("_fold_cache") is None
    with torch.no_grad():
        assert conv(x.double()).dtype == torch.float64
    conv.weight = nn.Parameter(torch.zeros_like(conv.weight))  # an assigned input too
    assert conv.__dict__.get("_fold_cache") is None
    with torch.no_grad():
        shift = torch.relu(conv.norm(torch.zeros(1, 16, 5, 5, dtype=torch.float64)))
        torch.testing.assert_close(conv(x.double()), shift)
