"""GNDetCheckpointer loads weights without executing code from the checkpoint file."""

import pickle
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from gn_det.checkpoint import GNDetCheckpointer, UnsafeCheckpointError

from ..conftest import REPO, TINY_CONFIG
from .exploit import Exploit


def checkpointer():
    return GNDetCheckpointer(nn.Linear(2, 3))


def test_code_in_pkl_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"model": {"w": Exploit(marker)}, "__author__": "x"}))
    with pytest.raises(UnsafeCheckpointError, match="evil.pkl.*refusing to load"):
        checkpointer()._load_file(str(path))
    assert not marker.exists()


def test_code_in_pth_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"model": {"w": Exploit(marker)}}, path)
    with pytest.raises(pickle.UnpicklingError):
        checkpointer()._load_file(str(path))
    assert not marker.exists()


def test_detectron_caffe2_pkl_layout(tmp_path):
    blobs = {"conv1_w": np.ones((3, 2), np.float32), "conv1_w_momentum": np.zeros((3, 2))}
    path = tmp_path / "R-50-GN.pkl"
    path.write_bytes(pickle.dumps({"blobs": blobs}, protocol=2))
    loaded = checkpointer()._load_file(str(path))
    assert loaded["__author__"] == "Caffe2" and loaded["matching_heuristics"] is True
    assert list(loaded["model"]) == ["conv1_w"]
    np.testing.assert_array_equal(loaded["model"]["conv1_w"], blobs["conv1_w"])


def test_detectron2_pkl_layout_and_load_into_model(tmp_path):
    weight = np.arange(6, dtype=np.float32).reshape(3, 2)
    model = OrderedDict(weight=weight, bias=np.float32([1, 2, 3]))
    path = tmp_path / "converted.pkl"
    path.write_bytes(pickle.dumps({"model": model, "__author__": "gn_det"}))
    ckpt = checkpointer()
    ckpt.load(str(path))
    torch.testing.assert_close(ckpt.model.weight.detach(), torch.from_numpy(weight))


def test_train_net_refuses_a_crafted_pkl(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"model": Exploit(marker), "__author__": "x"}))
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools/train_net.py"), "--config-file", str(TINY_CONFIG),
         "--eval-only", "MODEL.WEIGHTS", str(path), "OUTPUT_DIR", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "refusing to load posix.system" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not marker.exists()
