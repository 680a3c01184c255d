"""One run per folder: the lock names its holder, dead runs' locks are taken over."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from gn_det.utils.processes import HOST
from gn_det.utils.run_lock import LOCK_NAME, RunLock, RunLockError


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_lock_records_its_holder_and_goes_away(tmp_path):
    folder = tmp_path / "out"
    with RunLock(str(folder), "python tools/train_net.py X", what="OUTPUT_DIR") as lock:
        record = json.loads((folder / LOCK_NAME).read_text())
        assert (record["pid"], record["host"]) == (os.getpid(), HOST)
        assert record["command"] == "python tools/train_net.py X"
        assert lock.took_over is None
    assert not (folder / LOCK_NAME).exists()


def test_a_second_run_is_refused_naming_the_holder(tmp_path):
    with RunLock(str(tmp_path), "first run", what="OUTPUT_DIR"):
        with pytest.raises(RunLockError) as info:
            RunLock(str(tmp_path), "second run", what="OUTPUT_DIR").acquire()
        message = str(info.value)
        assert f"OUTPUT_DIR {tmp_path} is in use by PID {os.getpid()} on host {HOST}" in message
        assert "first run" in message and "give this run another OUTPUT_DIR" in message
    RunLock(str(tmp_path), "third run").acquire().release()  # free again


def test_a_lock_held_by_another_process_is_refused(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], "
         "os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, sys.argv[2]"
         ".encode()); print('held', flush=True); time.sleep(60)",
         str(tmp_path / LOCK_NAME), json.dumps({"pid": 1234, "host": HOST, "command": "c"})],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockError, match="is in use by PID 1234"):
            RunLock(str(tmp_path), "me").acquire()
    finally:
        holder.kill()
        holder.wait()
    with RunLock(str(tmp_path), "me") as lock:  # the kernel released it with the holder
        assert "PID 1234" in lock.took_over


def test_the_lock_of_a_dead_run_is_taken_over_with_a_warning(tmp_path):
    pid = dead_pid()
    stale = {"pid": pid, "host": HOST, "command": "killed run", "started": "yesterday"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(stale))
    with RunLock(str(tmp_path), "new run", what="--output-dir") as lock:
        assert lock.took_over.startswith(f"--output-dir {tmp_path}: taking over the lock of a run")
        assert f"PID {pid} on host {HOST}, started yesterday: killed run" in lock.took_over
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_a_lock_from_another_host_is_not_taken(tmp_path):
    other = {"pid": 1, "host": HOST + "-other", "command": "run elsewhere"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(other))
    with pytest.raises(RunLockError) as info:
        RunLock(str(tmp_path), "me").acquire()
    assert f"holds a lock of PID 1 on host {HOST}-other" in str(info.value)
    assert f"if that run has ended, delete {tmp_path / LOCK_NAME}" in str(info.value)
    assert json.loads((tmp_path / LOCK_NAME).read_text()) == other  # left as it was


def test_a_damaged_record_is_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text("{not json")
    with RunLock(str(tmp_path), "me") as lock:
        assert "unreadable lock record" in lock.took_over


def test_an_exception_releases_the_lock(tmp_path):
    with pytest.raises(RuntimeError):
        with RunLock(str(tmp_path), "me"):
            raise RuntimeError("a bug")
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_forked_worker_does_not_keep_the_lock(tmp_path):
    """A data-loader worker forked by the run, still alive after the run is killed, does not
    hold the folder: the next run takes it over at once."""
    read, write = os.pipe()
    runner = os.fork()
    if runner == 0:  # the run: takes the lock, forks a long-lived worker, then dies (kill -9)
        lock = RunLock(str(tmp_path), "the run").acquire()
        if os.fork() == 0:
            lock.release()  # a worker never releases (or removes) its parent's lock
            os.write(write, str(os.getpid()).encode())
            time.sleep(60)
            os._exit(0)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    worker = int(os.read(read, 32))
    os.waitpid(runner, 0)
    try:
        with RunLock(str(tmp_path), "next run") as lock:
            assert f"PID {runner} " in lock.took_over
    finally:
        os.kill(worker, signal.SIGKILL)
