"""OpenMP threads of CPU runs on a machine shared with other jobs.

PyTorch's CPU kernels run on OpenMP threads (one per core unless ``OMP_NUM_THREADS`` says
otherwise). GNU OpenMP's threads spin while they wait for each other, so when other jobs take
the cores a thread burns its time slices waiting for a descheduled partner, and a 2-thread
step can take several times as long as a 1-thread one. With ``OMP_WAIT_POLICY=PASSIVE``
waiting threads sleep: the work is split the same way (the same results, bit for bit, tested)
and an idle machine still uses every core, but each wait costs a wake-up: on a quiet 2-core
machine the 2-thread demo took x1.16 the time (projects/Performance/README.md). So a
single-process run keeps OpenMP's default and warns when the machine is busy; gn_det sets
the policy for the processes it starts side by side (CPU workers of a multi-process run,
sweep cells, benchmark workers), which share the cores. OpenMP reads the policy when PyTorch
loads, so it belongs in the environment a run starts with.

PyTorch starts one thread per core it sees, also in a container whose CPU quota (cgroup
``cpu.max``) is a few of the host's many cores; ``usable_cpus`` counts the quota too.
"""

import math
import os

WAIT_POLICY = "OMP_WAIT_POLICY"
# cgroup v2 quota file, then v1's pair (quota, period): "-1" or "max" mean no quota.
CGROUP_V2_MAX = "/sys/fs/cgroup/cpu.max"
CGROUP_V1 = ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def _read(path):
    try:
        with open(path) as f:
            return f.read().split()
    except (OSError, UnicodeDecodeError):
        return []


def cgroup_cpu_quota(v2_max=CGROUP_V2_MAX, v1=CGROUP_V1):
    """The container's CPU quota in cores (quota / period, rounded up), None without one."""
    fields = _read(v2_max)
    if len(fields) != 2:
        fields = [" ".join(_read(path)) for path in v1]
    try:
        quota, period = float(fields[0]), float(fields[1])
    except (IndexError, ValueError):  # "max", missing or unreadable files
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


def usable_cpus(quota=None):
    """Cores this process may run on: its CPU affinity, capped by the container's quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = cgroup_cpu_quota() if quota is None else quota
    return max(1, min(cpus or 1, quota or cpus or 1))


def passive_openmp_for_children(environ=None):
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` (default: this process's, which the
    processes it starts inherit) unless the user set a policy; return the policy in force."""
    environ = os.environ if environ is None else environ
    return environ.setdefault(WAIT_POLICY, "PASSIVE")


def threads_within_quota(threads, environ=None, cpus=None):
    """How many threads a CPU run should use instead of PyTorch's ``threads``: at most the
    usable cores, unless the user chose with ``OMP_NUM_THREADS``."""
    environ = os.environ if environ is None else environ
    if "OMP_NUM_THREADS" in environ:
        return threads
    return min(threads, cpus or usable_cpus())


def spinning_threads_warning(threads, environ=None, load=None, cores=None):
    """A warning when ``threads`` OpenMP threads that spin while waiting (no passive policy)
    share a machine that is already busy; None otherwise."""
    environ = os.environ if environ is None else environ
    if threads <= 1 or environ.get(WAIT_POLICY, "").upper() == "PASSIVE":
        return None
    cores = cores or usable_cpus()
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load < cores:
        return None
    return (
        f"the CPU is busy (load average {load:.1f} on {cores} cores) and this run's {threads} "
        f"OpenMP threads spin while they wait for each other, which can make each step several "
        f"times slower; start it with {WAIT_POLICY}=PASSIVE (same results; e.g. "
        f"`{WAIT_POLICY}=PASSIVE make demo`) or OMP_NUM_THREADS=1"
    )
