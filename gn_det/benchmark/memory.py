"""Peak memory of one benchmark phase: CUDA max allocated, or the process's peak RSS on CPU.

On Linux the RSS high-water mark (VmHWM) can be reset by writing 5 to
/proc/self/clear_refs, so each phase gets its own peak; since every model runs in its own
worker process, peaks are per model. Elsewhere the whole-process peak (ru_maxrss) is used.
"""

import ctypes
import functools
import resource
import sys

import torch

# glibc's mallopt parameters, and the largest mmap threshold it accepts on 64-bit.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MAX_MMAP_THRESHOLD = 32 * 2**20


def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def current_rss_mb():
    """Resident memory of this process now, in MiB."""
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else peak_rss_mb()


def peak_rss_mb():
    """Peak resident memory of this process (since the last reset), in MiB."""
    kb = _status_kb("VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kb = kb / 1024 if sys.platform == "darwin" else kb  # bytes on macOS
    return kb / 1024


def reset_peak(device):
    """Start a new peak-memory window for ``device``."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # the peak then covers the whole process


def peak_mb(device, baseline_mb=0.0):
    """Peak memory since ``reset_peak`` in MiB: CUDA max allocated, or peak RSS minus the
    process's RSS before the model was built (``baseline_mb``)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return peak_rss_mb() - baseline_mb


def is_out_of_memory(error):
    """Whether ``error`` is PyTorch running out of memory (CUDA or CPU allocator)."""
    if isinstance(error, torch.OutOfMemoryError):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )


@functools.cache
def _glibc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def keep_freed_memory():
    """Make glibc keep freed blocks (up to 32 MiB each) for reuse; return whether it could.

    By default glibc hands freed memory back to the kernel and takes it again with page
    faults, at thresholds that adapt to each process's history: here one worker took 9000
    page faults per inference image and an identical one none, a few percent of CPU time
    between two processes running the same model. Benchmark workers use fixed thresholds, so
    a timed step holds no such work and identical models time alike.
    """
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    keep = 2**31 - 1  # the largest C int: the heap is trimmed only by release_freed_memory
    return bool(mallopt(M_MMAP_THRESHOLD, MAX_MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, keep))


def release_freed_memory():
    """Give the memory glibc keeps back to the kernel (so a new peak-memory window starts
    from what is in use)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
