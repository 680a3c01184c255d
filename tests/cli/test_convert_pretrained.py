"""tools/convert_pretrained.py: converts, refuses bad input, and writes nothing then."""

import os
import pickle

import pytest
import torch

from gn_det.cli import convert_pretrained, run_cli

from ..checkpoint.exploit import Exploit
from ..pretrained.resnets import torchvision_resnet


def convert(*args):
    run_cli(convert_pretrained.main, [str(a) for a in args])


@pytest.fixture(scope="module")
def resnet18_gn(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "resnet18_gn.pth"
    torch.save(torchvision_resnet(18).state_dict(), path)
    return path


def test_torchvision_file_to_detectron2_pkl(tmp_path, resnet18_gn, capsys):
    out = tmp_path / "r18.pkl"
    convert(resnet18_gn, out, "--format", "torchvision", "--depth", 18)
    data = pickle.loads(out.read_bytes())
    assert data["matching_heuristics"] is True and data["__author__"].startswith("gn_det")
    assert data["norm"] == {"kind": "GN", "num_groups": 32}
    assert data["backbone"]["depth"] == 18
    assert "res5.1.conv2.norm.weight" in data["model"]
    assert "ResNet-18, GN, 32 groups" in capsys.readouterr().out


def test_timm_safetensors_file(tmp_path):
    timm = pytest.importorskip("timm")
    from safetensors.torch import save_file

    src = tmp_path / "resnet50_gn.safetensors"
    save_file(timm.create_model("resnet50_gn", pretrained=False).state_dict(), src)
    out = tmp_path / "r50.pkl"
    convert(src, out, "--format", "timm")
    assert pickle.loads(out.read_bytes())["backbone"]["depth"] == 50


def expect_error(tmp_path, *args, message, code=None):
    out = tmp_path / "out.pkl"
    with pytest.raises(SystemExit) as exit_:
        convert(*args[:1], out, *args[1:])
    if code is not None:
        assert exit_.value.code == code
    else:
        assert str(exit_.value.code).startswith("error: ") and message in exit_.value.code
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if "tmp" in p]


def test_depth_mismatch(tmp_path, resnet18_gn):
    expect_error(tmp_path, resnet18_gn, "--format", "torchvision", "--depth", 50,
                 message="is a ResNet-18")  # fmt: skip


def test_wrong_format_for_the_file(tmp_path, resnet18_gn):
    expect_error(tmp_path, resnet18_gn, "--format", "detectron", message="--format right?")


def test_unknown_format(tmp_path, resnet18_gn, capsys):
    expect_error(tmp_path, resnet18_gn, "--format", "caffe", message="", code=2)
    assert "invalid choice: 'caffe'" in capsys.readouterr().err


def test_not_a_checkpoint(tmp_path):
    src = tmp_path / "notes.pth"
    src.write_text("these are not weights")
    expect_error(tmp_path, src, "--format", "torchvision", message="is not a checkpoint")


def test_code_in_the_source_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    src = tmp_path / "evil.pkl"
    src.write_bytes(pickle.dumps({"model": {"conv1.weight": Exploit(marker)}}))
    expect_error(tmp_path, src, "--format", "torchvision", message="refusing to load")
    assert not marker.exists()


def test_code_in_a_torch_file_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    src = tmp_path / "evil.pth"
    torch.save({"conv1.weight": Exploit(marker)}, src)
    expect_error(tmp_path, src, "--format", "torchvision", message="refusing to load")
    assert not marker.exists()
