"""Weights fingerprints: equal for equal weights in any file format, different otherwise."""

import pytest
import torch

from gn_det.checkpoint import CheckpointError, weights_fingerprint
from gn_det.checkpoint.weights_pkl import detectron2_weights, save_weights_pkl


def state(scale=1.0):
    return {"stem.conv1.weight": torch.arange(6.0).reshape(2, 3) * scale,
            "res2.0.norm.bias": torch.ones(3)}  # fmt: skip


def test_the_same_weights_fingerprint_the_same_in_any_format(tmp_path):
    pkl = save_weights_pkl(detectron2_weights(state(), "a"), str(tmp_path / "a.pkl"))
    other = save_weights_pkl(detectron2_weights(state(), "b", norm={"kind": "GN"}),
                             str(tmp_path / "b.pkl"))  # fmt: skip
    pth = str(tmp_path / "c.pth")
    torch.save({"model": state(), "iteration": 9}, pth)
    fingerprints = {weights_fingerprint(p) for p in (pkl, other, pth)}
    assert len(fingerprints) == 1  # metadata and the file format do not count
    assert len(next(iter(fingerprints))) == 12


def test_any_changed_value_name_or_dtype_changes_it(tmp_path):
    def fingerprint(weights, name):
        torch.save({"model": weights}, str(tmp_path / name))
        return weights_fingerprint(str(tmp_path / name))

    base = fingerprint(state(), "base.pth")
    changed = state()
    changed["res2.0.norm.bias"][1] += 1e-6
    renamed = {k.replace("res2", "res3"): v for k, v in state().items()}
    double = {k: v.double() for k, v in state().items()}
    others = [fingerprint(w, f"{i}.pth") for i, w in enumerate((changed, renamed, double))]
    assert base not in others and len(set(others)) == 3


def test_a_file_without_weights_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([1, 2], str(path))
    with pytest.raises(CheckpointError, match="holds no weights dictionary"):
        weights_fingerprint(str(path))
