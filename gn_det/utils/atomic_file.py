"""Files that appear complete or not at all: written to a temporary file, then renamed.

A process killed while writing leaves at most a hidden ``.<name>.gn_det-tmp-<pid>-<host>-*``
file next to the target, never a truncated target. The next write of that target removes such
files of writers that no longer run on this host (never those of a live writer, e.g. another
run writing the same file). A write that fails (full disk, quota, read-only file system) raises
FileWriteError naming the file; the previous file, if any, is left as it was.
"""

import contextlib
import errno
import glob
import os
import uuid

from .errors import GNDetError
from .processes import HOST, process_alive

TMP_MARK = ".gn_det-tmp-"
# OSErrors of a write the machine refuses: full disk, quota, read-only, file too large.
REFUSED_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


class FileWriteError(GNDetError):
    """A file could not be written; ``path`` and ``os_error`` say which and why."""

    def __init__(self, path, os_error):
        self.path, self.os_error = path, os_error
        why = os_error.strerror or str(os_error) or type(os_error).__name__
        super().__init__(f"could not write {path} ({why})")


def refused_write(error):
    """True for a FileWriteError, or an OSError of a write the machine refused (raised by a
    writer that does not use atomic_open)."""
    return isinstance(error, FileWriteError) or (
        isinstance(error, OSError) and error.errno in REFUSED_WRITE_ERRNOS
    )


def refused_write_message(error):
    """'could not write <file> (<why>)' for an error for which ``refused_write`` is True."""
    if isinstance(error, FileWriteError):
        return str(error)
    return f"could not write {error.filename or 'a file'} ({error.strerror})"


def fsync_dir(folder):
    """Make a rename inside ``folder`` durable (no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_writer(tmp_name):
    """(pid, host) of the writer of a temporary file name; host None for the older
    ``<pid>-<random>`` names (written on this host), pid None if the name is not one."""
    tail = tmp_name.rpartition(TMP_MARK)[2]
    pid, _, rest = tail.partition("-")
    host, _, _ = rest.rpartition("-")
    return (int(pid), host or None) if pid.isdigit() else (None, None)


def remove_stale_temps(path):
    """Remove temporary files left next to ``path`` by writers on this host that were killed."""
    folder, name = os.path.split(os.path.abspath(path))
    for stale in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(name)}{TMP_MARK}*")):
        pid, host = temp_writer(os.path.basename(stale))
        if pid is None or host not in (None, HOST) or process_alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.remove(stale)


class _KeepsWriteErrors:
    """The file handed to the writer; remembers the OSError of a failed write, so that a writer
    that turns it into another exception (``torch.save`` raises RuntimeError) is still
    reported as a failed write."""

    def __init__(self, f):
        self._f, self.error = f, None

    def write(self, data):
        try:
            return self._f.write(data)
        except OSError as e:
            self.error = e
            raise

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._f, name)


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open ``path`` for writing through a temporary file in its folder. On success the file is
    flushed, fsynced and renamed over ``path``; on an exception it is removed, and an OSError
    of the file system (full disk, ...) becomes FileWriteError."""
    folder, name = os.path.split(os.path.abspath(path))
    remove_stale_temps(path)
    tmp = os.path.join(folder, f".{name}{TMP_MARK}{os.getpid()}-{HOST}-{uuid.uuid4().hex[:8]}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise FileWriteError(path, e) from None
    f = None
    try:
        with os.fdopen(fd, mode) as raw:
            f = _KeepsWriteErrors(raw)
            yield f
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        os_error = e if isinstance(e, OSError) else getattr(f, "error", None)
        if os_error is not None and not isinstance(e, KeyboardInterrupt):
            raise FileWriteError(path, os_error) from None
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
