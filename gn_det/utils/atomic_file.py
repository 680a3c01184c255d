"""Files that appear complete or not at all: written to a temporary file, then renamed.

A process killed while writing leaves at most a hidden ``.<name>.gn_det-tmp-*`` file next to
the target (removed by the next write of that target), never a truncated target.
"""

import contextlib
import glob
import os
import uuid

TMP_MARK = ".gn_det-tmp-"


def fsync_dir(folder):
    """Make a rename inside ``folder`` durable (no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(path):
    """Remove temporary files left next to ``path`` by writers that were killed."""
    folder, name = os.path.split(os.path.abspath(path))
    for stale in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(name)}{TMP_MARK}*")):
        with contextlib.suppress(FileNotFoundError):
            os.remove(stale)


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open ``path`` for writing through a temporary file in its folder. On success the file is
    flushed, fsynced and renamed over ``path``; on an exception it is removed."""
    folder, name = os.path.split(os.path.abspath(path))
    remove_stale_temps(path)
    tmp = os.path.join(folder, f".{name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    fsync_dir(folder)


class AtomicWritesPathManager:
    """An iopath PathManager whose ``open`` for writing local files goes through
    ``atomic_open``; every other call is passed through unchanged."""

    def __init__(self, path_manager):
        self._path_manager = path_manager

    def open(self, path, mode="r", **kwargs):
        if "w" in mode and "://" not in os.fspath(path):
            return atomic_open(path, mode)
        return self._path_manager.open(path, mode, **kwargs)

    def __getattr__(self, name):
        return getattr(self._path_manager, name)
