"""Peak memory of one benchmark phase: CUDA max allocated, or the process's peak RSS on CPU.

On Linux the RSS high-water mark (VmHWM) can be reset by writing 5 to
/proc/self/clear_refs, so each phase gets its own peak; since every model runs in its own
worker process, peaks are per model. Elsewhere the whole-process peak (ru_maxrss) is used.
"""

import resource
import sys

import torch


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
