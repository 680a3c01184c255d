"""Converted backbones compute the same function as their source networks."""

import pickle
import re

import numpy as np
import pytest
import torch

from gn_det.pretrained import ConvertError, convert_resnet, guess_format

from .resnets import detectron2_resnet, features, load_converted, torchvision_resnet


def numpy_state(net):
    return {k: v.numpy() for k, v in net.state_dict().items()}


def assert_same_function(source, backbone, rgb_to_bgr=False):
    x = torch.randn(2, 3, 80, 96, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = features(source, x)
        got = backbone(x.flip(1) if rgb_to_bgr else x)["res5"]
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("depth", [18, 34, 50, 101])
def test_torchvision_gn_resnet_matches(depth):
    source = torchvision_resnet(depth)
    weights, norm, meta = convert_resnet(numpy_state(source), "torchvision")
    assert norm == {"kind": "GN", "num_groups": 32}
    assert meta == {"depth": depth, "input_format": "RGB", "stride_in_1x1": False}
    assert_same_function(source, load_converted(detectron2_resnet(depth), weights))


def test_torchvision_bn_resnet_matches_with_statistics():
    source = torchvision_resnet(50, norm="BN")
    weights, norm, _ = convert_resnet(numpy_state(source), "torchvision")
    assert norm == {"kind": "BN"}
    assert not any(k.endswith("num_batches_tracked") for k in weights)
    assert_same_function(source, load_converted(detectron2_resnet(50, norm="FrozenBN"), weights))


def test_bgr_input_format_flips_the_first_conv():
    source = torchvision_resnet(18)
    weights, _, meta = convert_resnet(numpy_state(source), "torchvision", input_format="BGR")
    assert meta["input_format"] == "BGR"
    assert_same_function(source, load_converted(detectron2_resnet(18), weights), rgb_to_bgr=True)


def test_timm_resnet50_gn_matches():
    timm = pytest.importorskip("timm")
    from .resnets import randomize_norms

    source = randomize_norms(timm.create_model("resnet50_gn", pretrained=False))
    weights, norm, _ = convert_resnet(numpy_state(source), "timm")
    assert norm["kind"] == "GN"
    assert_same_function(source, load_converted(detectron2_resnet(50), weights))


def detectron_name(key):
    """Detectron's blob name for a torchvision ResNet key (written out independently)."""
    if key.startswith("fc."):
        return "pred_w" if key.endswith("weight") else "pred_b"
    m = re.match(r"^(?:layer(\d)\.(\d+)\.)?(conv\d|bn\d|downsample\.[01])\.(weight|bias)$", key)
    layer, block, module, param = m.groups()
    if layer is None:
        base = "conv1"
    elif module.startswith("downsample"):
        base = f"res{int(layer) + 1}_{block}_branch1"
    else:
        base = f"res{int(layer) + 1}_{block}_branch2{'abc'[int(module[-1]) - 1]}"
    if module.startswith("conv") or module == "downsample.0":
        return f"{base}_w"
    return f"{base}_gn_{'s' if param == 'weight' else 'b'}"


def detectron_blobs(source):
    """Detectron's (Caffe2) blobs of a torchvision ResNet: BGR first conv, momentum blobs."""
    blobs = {}
    for key, value in numpy_state(source).items():
        value = value[:, ::-1].copy() if key == "conv1.weight" else value
        blobs[detectron_name(key)] = value
        blobs[detectron_name(key) + "_momentum"] = np.zeros_like(value)
    return blobs


def test_detectron_gn_blobs_match(tmp_path):
    from gn_det.checkpoint.safe_load import load_weights_pickle

    source = torchvision_resnet(50)
    blobs = detectron_blobs(source)
    assert "res2_0_branch2a_gn_s" in blobs and "res3_0_branch1_w" in blobs
    path = tmp_path / "R-50-GN.pkl"
    path.write_bytes(pickle.dumps({"blobs": blobs}, protocol=2))
    with open(path, "rb") as f:
        weights, norm, meta = convert_resnet(load_weights_pickle(f)["blobs"], "detectron")
    assert norm == {"kind": "GN", "num_groups": 32}
    assert meta["input_format"] == "BGR" and meta["stride_in_1x1"] is False
    assert not any("momentum" in k or "pred" in k for k in weights)
    assert_same_function(source, load_converted(detectron2_resnet(50), weights), rgb_to_bgr=True)


def test_depth_that_does_not_match_is_an_error():
    weights = numpy_state(torchvision_resnet(18))
    with pytest.raises(ConvertError, match="ResNet-18.*not a ResNet-34"):
        convert_resnet(weights, "torchvision", depth=34)


def test_groups_that_do_not_divide_are_an_error():
    weights = numpy_state(torchvision_resnet(18))
    with pytest.raises(ConvertError, match="--num-groups 48 does not divide"):
        convert_resnet(weights, "torchvision", num_groups=48)


def test_unknown_format_and_foreign_keys_are_errors():
    weights = numpy_state(torchvision_resnet(18))
    with pytest.raises(ConvertError, match="unknown format 'caffe'"):
        convert_resnet(weights, "caffe")
    with pytest.raises(ConvertError, match="not a Detectron ResNet blob"):
        convert_resnet(weights, "detectron")
    weights["conv1.0.weight"] = weights.pop("conv1.weight")  # a deep stem
    with pytest.raises(ConvertError, match="deep stems"):
        convert_resnet(weights, "torchvision")


def test_guess_format_tells_the_layouts_apart():
    assert guess_format(detectron_blobs(torchvision_resnet(18))) == "detectron"
    assert guess_format(numpy_state(torchvision_resnet(18))) == "torchvision"
    assert guess_format({"res2.0.conv1.weight": 0, "stem.conv1.weight": 0}) is None
    assert guess_format({"encoder.weight": 0, "fc.weight": 0}) is None
