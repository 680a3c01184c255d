"""One run per output folder: ``RunLock`` holds ``<folder>/run.lock`` while a run writes there.

The lock file records the holder (PID, host, command, start time) and is held with ``flock``,
which the kernel releases when the holder dies however it dies. A second run into the folder
gets a RunLockError naming the holder. A lock file left by a run that died (killed, crashed)
on this host is taken over, and ``RunLock.took_over`` says whose it was; one left by a run on
another host (a shared file system) is not, since this host cannot tell whether that run ended.
"""

import contextlib
import fcntl
import json
import os
import time

from .errors import GNDetError
from .processes import HOST, process_alive

LOCK_NAME = "run.lock"
# Descriptors of the locks this process holds. A forked child (a data-loader worker) closes
# its copies, so that the lock ends with the run's own process, not with its last worker.
_HELD = set()


def _close_in_forked_child():
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_forked_child)


class RunLockError(GNDetError, RuntimeError):
    """The folder is in use by another run; the message names the holder."""


def _holder_text(holder):
    if not holder:
        return "another run (it has not written its PID yet)"
    return (
        f"PID {holder.get('pid')} on host {holder.get('host')}, started "
        f"{holder.get('started', '?')}: {holder.get('command', '?')}"
    )


def _flock(fd):
    """True if this process now holds the lock, False if another process does, None if the
    file system has no flock (the holder record alone decides then)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return None


def _read_holder(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    text = b""
    while chunk := os.read(fd, 65536):
        text += chunk
    try:
        holder = json.loads(text.decode("utf-8", errors="replace") or "null")
    except json.JSONDecodeError:
        return {"pid": "?", "host": HOST, "command": "(unreadable lock record)"}
    return holder if isinstance(holder, dict) else None


class RunLock:
    """``with RunLock(folder, command, what="OUTPUT_DIR"):`` the block is the only run writing
    into ``folder`` (created if needed). Child processes need no lock of their own."""

    def __init__(self, folder, command, what="the output folder"):
        self.folder, self.command, self.what = folder, command, what
        self.path = os.path.join(folder, LOCK_NAME)
        self.took_over = None  # a warning (str) if a dead run's lock was taken over
        self._fd = None

    def acquire(self):
        os.makedirs(self.folder, exist_ok=True)
        for _ in range(100):  # the file may be removed by its holder between open and flock
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if self._try(fd):
                    self._fd, fd = fd, None
                    _HELD.add(self._fd)
                    return self
            finally:
                if fd is not None:
                    os.close(fd)
        raise RunLockError(f"{self.what} {self.folder}: cannot take {self.path}")

    def _try(self, fd):
        locked = _flock(fd)
        if locked is False:
            self._refuse(_read_holder(fd), "is in use by")
        if locked and os.fstat(fd).st_ino != _inode(self.path):
            return False  # released and removed meanwhile: open the new file
        holder = _read_holder(fd)
        if holder and holder.get("host") != HOST:
            self._refuse(
                holder, "holds a lock of", hint=f"; if that run has ended, delete {self.path}"
            )
        if holder and locked is None and process_alive(holder.get("pid")):
            self._refuse(holder, "is in use by")
        if holder and holder.get("pid") != os.getpid():
            self.took_over = (
                f"{self.what} {self.folder}: taking over the lock of a run that ended without "
                f"releasing it ({_holder_text(holder)})"
            )
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        record = {"pid": os.getpid(), "host": HOST, "command": self.command, "started": started}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode())
        os.fsync(fd)
        return True

    def _refuse(self, holder, verb, hint=""):
        hint = hint or f"; wait for it to end, or give this run another {self.what}"
        raise RunLockError(f"{self.what} {self.folder} {verb} {_holder_text(holder)}{hint}")

    def release(self):
        """Remove the lock file and release it (idempotent; nothing in a forked child)."""
        if self._fd not in _HELD:
            return
        with contextlib.suppress(OSError):
            if os.fstat(self._fd).st_ino == _inode(self.path):
                os.remove(self.path)
        _HELD.discard(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _inode(path):
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None
