"""atomic_open: temporary files of live writers are never removed, refused writes are one line."""

import errno
import os
import resource
import signal

import pytest
import torch

from gn_det.utils.atomic_file import TMP_MARK, FileWriteError, atomic_open, temp_writer
from gn_det.utils.processes import HOST

from .test_run_lock import dead_pid


def test_only_temporary_files_of_dead_writers_on_this_host_are_removed(tmp_path):
    dead = dead_pid()
    names = {
        "dead": f".m.pth{TMP_MARK}{dead}-{HOST}-0123abcd",
        "dead_old_format": f".m.pth{TMP_MARK}{dead}-89abcdef",
        "live": f".m.pth{TMP_MARK}{os.getpid()}-{HOST}-0123abcd",
        "other_host": f".m.pth{TMP_MARK}{dead}-other-host.example-0123abcd",
        "other_file": f".n.pth{TMP_MARK}{dead}-{HOST}-0123abcd",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    with atomic_open(tmp_path / "m.pth") as f:
        f.write(b"whole")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"m.pth", names["live"], names["other_host"], names["other_file"]}


def test_temp_names_tell_their_writer():
    assert temp_writer(f".a{TMP_MARK}12-my-host.lan-0123abcd") == (12, "my-host.lan")
    assert temp_writer(f".a{TMP_MARK}12-0123abcd") == (12, None)
    assert temp_writer(f".a{TMP_MARK}x-0123abcd") == (None, None)


class FullDisk:
    """A file whose writes fail as on a full disk after ``room`` bytes."""

    def __init__(self, f, room):
        self.f, self.room = f, room

    def write(self, data):
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.f.write(data)


def test_a_refused_write_is_one_line_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "last_checkpoint"
    target.write_text("model_0000004.pth")
    with pytest.raises(FileWriteError) as info:
        with atomic_open(target, "w") as f:
            FullDisk(f, 3).write("model_0000009.pth")
    assert str(info.value) == f"could not write {target} (No space left on device)"
    assert target.read_text() == "model_0000004.pth"
    assert [p.name for p in tmp_path.iterdir()] == ["last_checkpoint"]


def test_torch_save_on_a_full_file_system_is_a_write_error(tmp_path):
    """torch.save turns the OSError of its file into a RuntimeError; atomic_open still reports
    the write that failed. Here the OS refuses it for real (a file size limit: EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        with pytest.raises(FileWriteError, match=r"model\.pth \(File too large\)"):
            with atomic_open(tmp_path / "model.pth") as f:
                torch.save({"w": torch.zeros(100_000)}, f)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert list(tmp_path.iterdir()) == []


def test_other_errors_pass_through(tmp_path):
    with pytest.raises(ValueError):
        with atomic_open(tmp_path / "a.json", "w"):
            raise ValueError("a bug in the writer")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(tmp_path / "a.json", "w") as f:
            f.write("{")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
