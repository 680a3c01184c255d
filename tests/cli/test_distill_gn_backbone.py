"""tools/distill_gn_backbone.py: distills, exports for MODEL.WEIGHTS, resumes exactly after
kill -9, and rejects bad input with one error line."""

import json
import pickle
import sys

import cv2
import pytest
import torch
from detectron2.modeling import build_model

from gn_det.checkpoint import GNDetCheckpointer
from gn_det.cli import distill_gn_backbone, run_cli

from ..conftest import REPO, TINY_CONFIG, tiny_cfg
from ..distillation.teachers import pattern_images, write_teacher
from ..engine.test_resume import kill_after_checkpoint
from ..run_tools import run_tool

# 16 of the folder's images, 4 epochs of batch 4 (16 iterations), a checkpoint each epoch.
TINY_RUN = ["--num-images", 16, "--num-heldout", 8, "--epochs", 4, "--batch-size", 4,
            "--image-size", 32, "--lr", 0.005, "--probe-images", 1]  # fmt: skip


def write_image_folder(root):
    """An ImageFolder tree (2 classes, train and val) of pattern images, and a broken file."""
    images = pattern_images(32, size=40, seed=5).permute(0, 2, 3, 1).numpy()
    for i, img in enumerate(images):
        folder = root / ("train" if i < 24 else "val") / ("warm" if i % 2 else "cold")
        folder.mkdir(parents=True, exist_ok=True)
        if i % 2:
            img = img.copy()
            img[..., 2] = 255 - img[..., 2] // 3
        cv2.imwrite(str(folder / f"{i}.{'png' if i % 3 else 'jpg'}"), img)
    (root / "extra").mkdir()
    (root / "extra" / "broken.png").write_bytes(b"\x89PNG truncated")
    return root


def distill_args(setup, out, *extra):
    return ["--config-file", TINY_CONFIG, "--teacher", setup["teacher"], "--data",
            setup["folder"], "--output-dir", out, *TINY_RUN, *extra]  # fmt: skip


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("distill")
    teacher = write_teacher(tmp / "bn.pkl")
    return {"tmp": tmp, "teacher": teacher, "folder": write_image_folder(tmp / "folder")}


@pytest.fixture(scope="module")
def distilled(setup):
    out = setup["tmp"] / "run"
    result = run_tool("distill_gn_backbone.py", *distill_args(setup, out), cwd=setup["tmp"])
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text()), result


def test_every_stage_feature_error_falls(distilled):
    _, results, _ = distilled
    errors = results["feature_error"]
    assert list(errors) == ["stem", "res2", "res3", "res4", "res5"]
    for stage, e in errors.items():
        assert 0 < e["after"] < e["before"], (stage, e)


def test_results_record_the_run(distilled):
    out, results, result = distilled
    assert results["status"] == "done" and results["iterations"] == 16
    assert results["skipped_unreadable"] == 1
    assert results["settings"]["num_images"] == 16 and results["settings"]["num_heldout"] == 8
    assert results["settings"]["norm"] == {"kind": "GN", "num_groups": 32}
    assert results["command"].startswith("python tools/distill_gn_backbone.py --config-file")
    assert results["wall_s"] > 0 and results["train_s_per_image"] > 0
    top1 = results["top1_error"]
    assert top1["num_train"] == 24 and top1["num_val"] == 8
    assert all(0 <= top1[k] <= 100 for k in ("teacher", "student_before", "student"))
    log = (out / "log.txt").read_text()
    assert "eta:" in log and "skipped 1 unreadable image file(s)" in log
    assert (out / "feature_error.png").stat().st_size > 0


def test_backbone_loads_into_the_gn_detector_with_no_missing_key(distilled):
    out, _, _ = distilled
    data = pickle.loads((out / "backbone.pkl").read_bytes())
    assert data["norm"] == {"kind": "GN", "num_groups": 32} and data["matching_heuristics"]
    assert data["backbone"]["depth"] == 18
    path = str(out / "backbone.pkl")
    model = build_model(tiny_cfg("MODEL.WEIGHTS", path, "MODEL.NORM.TYPE", "GN"))
    checkpointer = GNDetCheckpointer(model)
    checkpointer.load(path)
    assert checkpointer.last_load_report.missing_in("backbone") == []
    state = model.state_dict()
    for key, value in data["model"].items():
        torch.testing.assert_close(state[f"backbone.bottom_up.{key}"], torch.as_tensor(value))


def test_kill_9_and_resume_end_with_the_weights_of_an_uninterrupted_run(setup, distilled):
    whole, _, _ = distilled
    out = setup["tmp"] / "killed"
    cmd = [sys.executable, REPO / "tools" / "distill_gn_backbone.py", *distill_args(setup, out)]
    kill_after_checkpoint(cmd, out, setup["tmp"], name="model_0000003.pth")

    distill_gn_backbone.main([str(a) for a in distill_args(setup, out, "--resume")])
    assert "Starting training from iteration 4" in (out / "log.txt").read_text()
    a = torch.load(whole / "model_final.pth", weights_only=True)
    b = torch.load(out / "model_final.pth", weights_only=True)
    assert a["iteration"] == b["iteration"] == 15
    assert [k for k in a["model"] if not torch.equal(a["model"][k], b["model"][k])] == []
    momentum_a, momentum_b = a["optimizer"]["state"], b["optimizer"]["state"]
    assert momentum_a.keys() == momentum_b.keys() and momentum_a
    assert all(torch.equal(momentum_a[k]["momentum_buffer"], momentum_b[k]["momentum_buffer"])
               for k in momentum_a)  # fmt: skip
    assert (
        json.loads((out / "results.json").read_text())["feature_error"]
        == json.loads((whole / "results.json").read_text())["feature_error"]
    )


def test_resume_with_other_settings_is_refused(setup, distilled):
    out, _, _ = distilled
    args = distill_args(setup, out, "--resume")
    args[args.index("--lr") + 1] = 0.05
    error = main_error(args)
    assert "records lr 0.005, this run has 0.05" in error


def main_error(args):
    """The SystemExit message of the tool's main() on ``args``."""
    with pytest.raises(SystemExit) as exit_:
        run_cli(distill_gn_backbone.main, [str(a) for a in args])
    message = exit_.value.code
    assert isinstance(message, str) and message.startswith("error: ") and "\n" not in message
    return message


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--teacher": "nope.pkl"}, "nope.pkl does not exist"),
        ({"--teacher": "junk.pkl"}, "junk.pkl cannot be read as a weights pickle"),
        ({"--teacher": "gn.pkl"}, "is already a GroupNorm-family backbone"),
        ({"opts": ["MODEL.RESNETS.DEPTH", 34]},
         "res2.2.conv1.weight is in the config's ResNet but not in the teacher"),
        ({"opts": ["MODEL.RESNETS.STEM_OUT_CHANNELS", 32]},
         "stem.conv1.weight has shape (64, 3, 7, 7) in the teacher, (32, 3, 7, 7) in the config"),
        ({"--data": "empty"}, "holds no image files"),
        ({"--num-images": 0}, "--num-images 0: must be > 0"),
        ({"opts": ["MODEL.NORM.TYPE", "XYZ"]}, "MODEL.NORM.TYPE='XYZ' is not a norm kind"),
        ({"opts": ["MODEL.NORM.TYPE", "BN"]}, "the student must use GroupNorm"),
        ({"--stage-weights": "res6=1"}, "--stage-weights res6=1: expected STAGE=W"),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_line(setup, tmp_path, change, message):
    (tmp_path / "junk.pkl").write_bytes(b"\x00\x01 garbage")
    (tmp_path / "empty").mkdir()
    if change.get("--teacher") == "gn.pkl":
        write_teacher(tmp_path / "gn.pkl", kind="GN")
    args = distill_args(setup, tmp_path / "run")
    for flag, value in change.items():
        if flag in ("--teacher", "--data"):
            args[args.index(flag) + 1] = tmp_path / value
        elif flag in args:
            args[args.index(flag) + 1] = value
        elif flag != "opts":
            args += [flag, value]
    assert message in main_error(args + change.get("opts", []))
    assert not (tmp_path / "run" / "backbone.pkl").exists()


def test_error_exits_1_with_one_line(setup, tmp_path):
    args = distill_args(setup, tmp_path / "run")
    args[args.index("--teacher") + 1] = tmp_path / "missing.pkl"
    result = run_tool("distill_gn_backbone.py", *args, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"error: --teacher {tmp_path / 'missing.pkl'} does not exist"
