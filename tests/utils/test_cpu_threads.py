"""OpenMP's wait policy for CPU runs: passive in the processes gn_det starts, same results."""

import os
import subprocess
import sys

from gn_det.utils.cpu_threads import (
    cgroup_cpu_quota,
    passive_openmp_for_children,
    spinning_threads_warning,
    threads_within_quota,
    usable_cpus,
)

# Two OpenMP threads compute a small conv + GN network's gradients; prints their bytes' hash.
GRADIENTS = """
import hashlib, torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3), torch.nn.GroupNorm(8, 32), torch.nn.ReLU(),
                          torch.nn.Conv2d(32, 64, 3, stride=2), torch.nn.GroupNorm(8, 64))
net(torch.randn(4, 3, 64, 64)).square().sum().backward()
grads = torch.cat([p.grad.flatten() for p in net.parameters()])
print(torch.get_num_threads(), hashlib.sha256(grads.numpy().tobytes()).hexdigest())
"""


def test_the_processes_gn_det_starts_wait_passively_unless_told_otherwise():
    env = {}
    assert passive_openmp_for_children(env) == "PASSIVE" and env == {"OMP_WAIT_POLICY": "PASSIVE"}
    env = {"OMP_WAIT_POLICY": "ACTIVE"}
    assert passive_openmp_for_children(env) == "ACTIVE"  # the user's choice stays


def test_the_wait_policy_does_not_change_the_results():
    outputs = []
    for policy in ("ACTIVE", "PASSIVE"):
        env = {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": policy, "PATH": ""}
        run = subprocess.run([sys.executable, "-c", GRADIENTS], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        outputs.append(run.stdout.split())
    assert outputs[0][0] == "2" and outputs[0] == outputs[1]


def test_spinning_threads_on_a_busy_machine_get_a_warning():
    busy = dict(load=3.5, cores=2)
    message = spinning_threads_warning(2, environ={}, **busy)
    assert "load average 3.5 on 2 cores" in message and "OMP_WAIT_POLICY=PASSIVE" in message
    assert spinning_threads_warning(2, environ={"OMP_WAIT_POLICY": "passive"}, **busy) is None
    assert spinning_threads_warning(1, environ={}, **busy) is None
    assert spinning_threads_warning(2, environ={}, load=0.5, cores=2) is None


def test_a_container_quota_caps_the_usable_cpus(tmp_path):
    v2, quota, period = tmp_path / "cpu.max", tmp_path / "quota", tmp_path / "period"
    v2.write_text("150000 100000\n")
    assert cgroup_cpu_quota(v2_max=v2) == 2  # 1.5 cores: 2 threads keep it busy
    v2.write_text("max 100000\n")
    assert cgroup_cpu_quota(v2_max=v2) is None
    quota.write_text("400000\n"), period.write_text("100000\n")
    assert cgroup_cpu_quota(v2_max=tmp_path / "absent", v1=(quota, period)) == 4
    quota.write_text("-1\n")
    assert cgroup_cpu_quota(v2_max=tmp_path / "absent", v1=(quota, period)) is None
    affinity = len(os.sched_getaffinity(0))
    assert usable_cpus(quota=1) == 1 and usable_cpus(quota=affinity + 8) == affinity
    assert threads_within_quota(16, environ={}, cpus=2) == 2  # PyTorch counted the host's cores
    assert threads_within_quota(16, environ={"OMP_NUM_THREADS": "16"}, cpus=2) == 16
    assert threads_within_quota(1, environ={}, cpus=2) == 1
