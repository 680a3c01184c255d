"""tools/pretrain_backbone.py: pretrain, export for MODEL.WEIGHTS, resume, reject bad input."""

import json
import pickle

import cv2
import numpy as np
import pytest
import torch
from detectron2.modeling import build_model

from gn_det.checkpoint import GNDetCheckpointer
from gn_det.cli import pretrain_backbone, run_cli

from ..conftest import TINY_CONFIG, tiny_cfg
from ..run_tools import run_tool

TINY_RUN = ["--image-size", 32, "--num-images", 12, "--batch-size", 8, "--lr", 0.02]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """A 1-epoch GN pretraining on a few shapes crops, then the same run resumed to 2 epochs."""
    tmp = tmp_path_factory.mktemp("pretrain")
    env = {"DETECTRON2_DATASETS": str(tmp / "datasets")}
    out = tmp / "run"
    args = ["--config-file", TINY_CONFIG, "--output-dir", out, *TINY_RUN]
    first = run_tool("pretrain_backbone.py", *args, "--epochs", 1, cwd=tmp, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    results_1 = json.loads((out / "results.json").read_text())
    second = run_tool("pretrain_backbone.py", *args, "--epochs", 2, "--resume", cwd=tmp, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    return out, results_1, second


def test_writes_results_and_weights(pretrained):
    out, results, _ = pretrained
    assert results["status"] == "done"
    assert 0 <= results["top1_error"] <= 100
    assert results["norm"] == {"kind": "GN", "num_groups": 32}
    data = pickle.loads((out / "backbone.pkl").read_bytes())
    assert data["matching_heuristics"] and data["norm"]["kind"] == "GN"
    assert "stem.conv1.weight" in data["model"] and "fc.weight" not in data["model"]


def test_resume_continues_from_the_last_epoch(pretrained):
    out, first, second = pretrained
    iters = first["iterations"]
    assert f"Starting training from iteration {iters}" in second.stdout + second.stderr
    assert json.loads((out / "results.json").read_text())["iterations"] == 2 * iters


def test_exported_weights_load_into_the_detector_with_their_values(pretrained):
    out, _, _ = pretrained
    weights = pickle.loads((out / "backbone.pkl").read_bytes())["model"]
    path = str(out / "backbone.pkl")
    model = build_model(tiny_cfg("MODEL.WEIGHTS", path))
    GNDetCheckpointer(model).load(path)
    state = model.state_dict()
    for key, value in weights.items():
        torch.testing.assert_close(state[f"backbone.bottom_up.{key}"], torch.as_tensor(value))


def write_image_folder(root, classes=("dot", "bar"), per_class=3):
    for split in ("train", "val"):
        for k, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                img = np.full((40, 50, 3), 40 * (k + 1) + i, np.uint8)
                cv2.imwrite(str(folder / f"{i}.png"), img)


def test_image_folder_data(tmp_path):
    write_image_folder(tmp_path / "folder")
    out = tmp_path / "run"
    result = run_tool(
        "pretrain_backbone.py", "--config-file", TINY_CONFIG, "--output-dir", out,
        "--data", tmp_path / "folder", "--epochs", 1, "--image-size", 32, "--batch-size", 2,
        "MODEL.NORM.TYPE", "BN", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["num_train"] == 6 and results["num_val"] == 6
    assert results["norm"] == {"kind": "BN"}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["MODEL.NORM.TYPE", "FrozenBN"], "pretraining needs a trainable norm"),
        (["--data", "no/such/folder"], "no/such/folder/train is not a folder"),
        (["MODEL.NORM.NUM_GROUPS", 48], "NUM_GROUPS=48 does not divide"),
        (["MODEL.RESNETS.NO_SUCH_KEY", 1], "bad KEY VALUE override"),
    ],
)
def test_bad_input_is_one_error_line(tmp_path, capsys, extra, message):
    args = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path / "run", *TINY_RUN]
    with pytest.raises(SystemExit) as exit_:
        run_cli(pretrain_backbone.main, [str(a) for a in [*args, *extra]])
    assert exit_.value.code == f"error: {exit_.value.code[len('error: ') :]}"
    assert message in exit_.value.code
    assert not (tmp_path / "run" / "backbone.pkl").exists()


def test_zero_epochs_and_missing_config_are_rejected(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run_cli(pretrain_backbone.main, ["--config-file", str(TINY_CONFIG), "--epochs", "0"])
    assert exit_.value.code == 2 and "must be > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        run_cli(pretrain_backbone.main, ["--config-file", "nope.yaml"])
    assert "nope.yaml does not exist" in exit_.value.code
