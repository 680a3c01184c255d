"""Benchmark workers keep freed memory: no page faults in timed steps."""

import os
import subprocess
import sys

from ..conftest import REPO

KEEP_FREED = """
import resource, torch
from gn_det.benchmark.memory import keep_freed_memory
assert keep_freed_memory()
for _ in range(3):
    torch.empty(2**22).fill_(1.0)  # 16 MiB, allocated and freed
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    torch.empty(2**22).fill_(1.0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_benchmark_workers_reuse_freed_memory_without_page_faults():
    run = subprocess.run([sys.executable, "-c", KEEP_FREED], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)  # fmt: skip
    # Without it each of the 20 allocations faults in its 4096 pages (81920 faults here).
    assert int(run.stdout.split()[-1]) <= 2 * 4096
