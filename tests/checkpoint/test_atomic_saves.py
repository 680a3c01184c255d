"""Crash-safe checkpoints: a kill never leaves a truncated model_*.pth or a bad last_checkpoint."""

import os
import pickle
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from detectron2.checkpoint import DetectionCheckpointer
from torch import nn

from gn_det.checkpoint import CheckpointError
from gn_det.checkpoint.checkpointer import GNDetCheckpointer, resumable_checkpoint
from gn_det.utils.atomic_file import TMP_MARK, AtomicWritesPathManager, atomic_open

from ..conftest import REPO

# Saves model_0000000, then is made to hang half-way through writing model_0000001 ("model")
# or through writing last_checkpoint ("tag"), so that the test can kill -9 it there.
CRASHING_WRITER = textwrap.dedent(
    """
    import io, os, sys, time, torch
    from torch import nn
    from gn_det.checkpoint.checkpointer import GNDetCheckpointer

    folder, stage = sys.argv[1], sys.argv[2]
    ckpt = GNDetCheckpointer(nn.Linear(256, 256), folder, save_to_disk=True)
    ckpt.save("model_0000000")

    def hang():
        print("hanging", flush=True)
        time.sleep(600)

    real_save, real_fsync, fsyncs = torch.save, os.fsync, []

    def half_save(obj, f):
        buf = io.BytesIO()
        real_save(obj, buf)
        f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
        f.flush()
        hang()

    def fsync(fd):
        fsyncs.append(fd)
        if len(fsyncs) == 3:  # model file, its folder, then last_checkpoint
            hang()
        real_fsync(fd)

    if stage == "model":
        torch.save = half_save
    else:
        os.fsync = fsync
    ckpt.save("model_0000001")
    """
)


def kill_while_writing(folder, stage):
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(folder), stage],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout.readline().strip() == "hanging"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    return sorted(p.name for p in folder.iterdir())


def temps(folder):
    return [p.name for p in folder.iterdir() if TMP_MARK in p.name]


def test_kill_while_writing_a_checkpoint_leaves_the_previous_one(tmp_path):
    files = kill_while_writing(tmp_path, "model")
    assert "model_0000001.pth" not in files  # never a truncated file under the final name
    assert any(name.startswith(".model_0000001.pth" + TMP_MARK) for name in files)
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000000.pth"
    assert resumable_checkpoint(str(tmp_path)) == str(tmp_path / "model_0000000.pth")
    model = nn.Linear(256, 256)
    GNDetCheckpointer(model, str(tmp_path)).resume_or_load("", resume=True)
    # The next save of that name removes the killed writer's temporary file.
    GNDetCheckpointer(model, str(tmp_path), save_to_disk=True).save("model_0000001")
    assert temps(tmp_path) == []
    assert torch.load(tmp_path / "model_0000001.pth")["model"]["weight"].shape == (256, 256)


def test_kill_while_tagging_keeps_last_checkpoint_valid(tmp_path):
    kill_while_writing(tmp_path, "tag")
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000000.pth"
    torch.load(tmp_path / "model_0000001.pth")  # complete: it was renamed before tagging
    assert resumable_checkpoint(str(tmp_path)) == str(tmp_path / "model_0000000.pth")


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "last_checkpoint"
    target.write_text("model_0000004.pth")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_open(target, "w") as f:
            f.write("model_00")
            raise RuntimeError("disk full")
    assert target.read_text() == "model_0000004.pth"
    assert temps(tmp_path) == []


def test_written_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "a.pth", "wb") as f:
            f.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.pth").stat().st_mode & 0o777 == 0o644


def test_checkpointer_writes_atomically_and_tags(tmp_path):
    ckpt = GNDetCheckpointer.like(DetectionCheckpointer(nn.Linear(2, 3), str(tmp_path)))
    assert isinstance(ckpt.path_manager, AtomicWritesPathManager)
    ckpt.save("model_0000009", iteration=9)
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000009.pth"
    assert torch.load(tmp_path / "model_0000009.pth")["iteration"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last_checkpoint", "model_0000009.pth"]


def test_nan_weights_are_never_saved(tmp_path):
    model = nn.Linear(2, 3)
    ckpt = GNDetCheckpointer(model, str(tmp_path), save_to_disk=True)
    ckpt.save("model_0000000")
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    ckpt.save("model_0000001")
    assert not (tmp_path / "model_0000001.pth").exists()
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000000.pth"


def _truncated(path):
    torch.save({"model": nn.Linear(2, 3).state_dict()}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    "name,make,expected",
    [
        ("model.pth", _truncated, "is truncated or damaged"),
        ("model.pth", lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
        (
            "model.pth",
            lambda p: p.write_text("hello, not a checkpoint"),
            "is not a checkpoint: its content is none of a torch file, a pickle or safetensors",
        ),
        (
            "model.pth",
            lambda p: p.write_bytes(b"\x80\x04garbage"),
            "cannot be read as a weights pickle",
        ),
        ("model.pth", lambda p: p.mkdir(), "is a directory"),
        ("model.pth", lambda p: None, "does not exist"),
        (
            "model.pkl",
            lambda p: p.write_bytes(pickle.dumps({"a": 1})[:-3]),
            "cannot be read as a weights pickle",
        ),
        ("model.pkl", lambda p: p.write_bytes(pickle.dumps([1, 2])), "holds a list"),
    ],
)
def test_unreadable_checkpoints_give_one_clear_line(tmp_path, name, make, expected):
    path = tmp_path / name
    make(path)
    with pytest.raises(CheckpointError) as info:
        GNDetCheckpointer(nn.Linear(2, 3)).load(str(path))
    assert str(path) in str(info.value) and expected in str(info.value)


def test_resume_names_the_file_last_checkpoint_points_to(tmp_path):
    (tmp_path / "last_checkpoint").write_text("model_0000123.pth")
    with pytest.raises(CheckpointError) as info:
        GNDetCheckpointer(nn.Linear(2, 3), str(tmp_path)).resume_or_load("", resume=True)
    message = str(info.value)
    assert "last_checkpoint names 'model_0000123.pth'" in message and "does not exist" in message
