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
"""

import os

WAIT_POLICY = "OMP_WAIT_POLICY"


def passive_openmp_for_children(environ=None):
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` (default: this process's, which the
    processes it starts inherit) unless the user set a policy; return the policy in force."""
    environ = os.environ if environ is None else environ
    return environ.setdefault(WAIT_POLICY, "PASSIVE")


def spinning_threads_warning(threads, environ=None, load=None, cores=None):
    """A warning when ``threads`` OpenMP threads that spin while waiting (no passive policy)
    share a machine that is already busy; None otherwise."""
    environ = os.environ if environ is None else environ
    if threads <= 1 or environ.get(WAIT_POLICY, "").upper() == "PASSIVE":
        return None
    cores = cores or os.cpu_count() or 1
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
