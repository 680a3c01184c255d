"""The one safe loader: format from the content, no code run, one clear error per bad file."""

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from gn_det.checkpoint import CheckpointError, GNDetCheckpointer, UnsafeCheckpointError
from gn_det.checkpoint.safe_load import load_weights_file, weights_format
from gn_det.pretrained import read_weights

from .exploit import Exploit


def linear_state():
    torch.manual_seed(0)
    return nn.Linear(2, 3).state_dict()


def _zip(path):
    torch.save({"model": linear_state()}, path)


def _legacy(path):
    torch.save({"model": linear_state()}, path, _use_new_zipfile_serialization=False)


def _pickle(path):
    model = {k: v.numpy() for k, v in linear_state().items()}
    path.write_bytes(pickle.dumps({"model": model, "__author__": "test"}, protocol=2))


def _safetensors(path):
    save_file(linear_state(), str(path))


@pytest.mark.parametrize(
    "write,fmt", [(_zip, "torch"), (_legacy, "torch"), (_pickle, "pickle"),
                  (_safetensors, "safetensors")],
)  # fmt: skip
@pytest.mark.parametrize("name", ["model.pth", "model.PKL", "model.weights", "model.SafeTensors"])
def test_every_format_loads_under_any_name(tmp_path, write, fmt, name):
    path = tmp_path / name
    write(path)
    assert weights_format(path) == fmt
    checkpointer = GNDetCheckpointer(nn.Linear(2, 3))
    checkpointer.load(str(path))
    for key, value in linear_state().items():
        torch.testing.assert_close(checkpointer.model.state_dict()[key], value)
    assert set(read_weights(path)) == {"weight", "bias"}


def _header_too_long(path):
    _safetensors(path)
    data = bytearray(path.read_bytes())
    data[:8] = (len(data) * 2).to_bytes(8, "little")
    path.write_bytes(bytes(data))


def _data_cut(path):
    _safetensors(path)
    path.write_bytes(path.read_bytes()[:-7])


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda p: p.write_text("these are not weights"),
         "is not a checkpoint: its content is none of a torch file, a pickle or safetensors "
         "(it starts with text 'these are not we')"),
        (lambda p: p.write_bytes(b"abc"), "(it starts with text 'abc')"),
        (lambda p: p.write_bytes(bytes(range(40))), "it starts with bytes b'\\x00\\x01"),
        (_header_too_long, "is a damaged safetensors file: its header claims"),
        (_data_cut, "cannot be read as a safetensors file (SafetensorError"),
        (lambda p: p.write_bytes(b"\x80\x04\x95garbage"), "cannot be read as a weights pickle"),
    ],
)  # fmt: skip
def test_unreadable_files_are_one_checkpoint_error(tmp_path, make, expected):
    path = tmp_path / "weights.pth"
    make(path)
    for load in (load_weights_file, read_weights, GNDetCheckpointer(nn.Linear(2, 3)).load):
        with pytest.raises(CheckpointError) as info:
            load(str(path))
        assert str(path) in str(info.value) and expected in str(info.value)
        assert "\n" not in str(info.value)


def test_text_named_pkl_goes_through_the_restricted_unpickler(tmp_path):
    path = tmp_path / "notes.pkl"
    path.write_text("hello world")
    assert weights_format(path) == "pickle"  # protocol-0 pickles carry no mark
    with pytest.raises(CheckpointError, match="notes.pkl cannot be read as a weights pickle") as e:
        load_weights_file(path)
    assert "it starts with text 'hello world'" in str(e.value)


@pytest.mark.parametrize("save", ["pickle", "torch"])
def test_code_is_refused_whatever_the_name(tmp_path, save):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.bin"
    if save == "pickle":
        path.write_bytes(pickle.dumps({"model": {"w": Exploit(marker)}}, protocol=2))
    else:
        torch.save({"model": {"w": Exploit(marker)}}, path)
    with pytest.raises(UnsafeCheckpointError, match="model.bin: refusing to load"):
        load_weights_file(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "data,expected",
    [
        ({"model": [1, 2], "__author__": "x"}, "'model' is a list, not a dict of weights"),
        ({"model": {"w": "text"}, "__author__": "x"}, "first: 'w' is a str"),
        ({"blobs": 3}, "'blobs' is a int"),
    ],
)
def test_weights_that_are_not_arrays_are_named(tmp_path, data, expected):
    path = tmp_path / "odd.pkl"
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(CheckpointError, match=expected):
        GNDetCheckpointer(nn.Linear(2, 3)).load(str(path))


def test_caffe2_blobs_keep_their_layout(tmp_path):
    path = tmp_path / "R-50-GN.PKL"
    blobs = {"conv1_w": np.ones((3, 2), np.float32), "conv1_w_momentum": np.zeros((3, 2))}
    path.write_bytes(pickle.dumps({"blobs": blobs}, protocol=2))
    loaded = GNDetCheckpointer(nn.Linear(2, 3))._load_file(str(path))
    assert loaded["__author__"] == "Caffe2" and list(loaded["model"]) == ["conv1_w"]


def test_a_safetensors_header_that_starts_like_a_pickle_is_safetensors(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})
    header = header.encode().ljust(0x0280)  # its length starts with b"\x80\x02", as a pickle
    path = tmp_path / "w.bin"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\x00" * 8)
    assert path.read_bytes()[:2] == b"\x80\x02" and weights_format(path) == "safetensors"
    fmt, data = load_weights_file(path)
    assert fmt == "safetensors" and data["w"].tolist() == [0.0, 0.0]
