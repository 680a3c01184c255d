"""Start the processes of a run: detectron2's ``launch`` on CUDA, gloo processes on the CPU.

detectron2 v0.6's ``launch`` asserts CUDA in every worker and uses NCCL. For a CPU run,
``launch`` here spawns the processes itself with the gloo backend and sets detectron2's
per-machine process group as detectron2 does, so sampler sharding, DDP gradient all-reduce,
evaluation gathering and main-process-only checkpointing run unchanged on CPUs (and in CI).
"""

import os
import signal
import socket
import sys
import time
from datetime import timedelta

import detectron2.utils.comm as comm
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from detectron2.engine import launch as d2_launch

from ..compat.detectron2_private import set_local_process_group
from ..utils.errors import INTERRUPTED_EXIT, GNDetError, Interrupted

DEFAULT_TIMEOUT = timedelta(minutes=30)
# Exit code of a worker that stopped on an expected error (after printing it).
CLEAN_ERROR_EXIT = 2
# Exit code of the main worker after it printed where Ctrl-C interrupted training.
INTERRUPT_REPORTED_EXIT = 3
# After Ctrl-C, how long the launcher lets workers stop on their own before it passes the
# signal on (a SIGINT sent to the launcher alone) and, later, terminates them.
INTERRUPT_GRACE_S = 10


class LaunchError(GNDetError, RuntimeError):
    """A worker process of a multi-process run failed."""


def free_port():
    """A TCP port on localhost that is free now (for ``--dist-url auto``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(
    main_func,
    num_processes,
    *,
    num_machines=1,
    machine_rank=0,
    dist_url=None,
    args=(),
    cpu=None,
    timeout=DEFAULT_TIMEOUT,
):
    """Run ``main_func(*args)`` in ``num_processes`` processes on each of ``num_machines``.

    ``cpu`` (default: no CUDA available) selects gloo CPU processes; otherwise detectron2's
    CUDA ``launch`` runs. A CPU worker that raises a GNDetError (a user error) prints
    ``error: <message>`` and the launcher raises LaunchError instead of a traceback. On Ctrl-C
    the main worker prints where training stopped and the launcher raises Interrupted.
    """
    cpu = not torch.cuda.is_available() if cpu is None else cpu
    world_size = num_processes * num_machines
    if not cpu or world_size == 1:
        return d2_launch(
            main_func,
            num_processes,
            num_machines=num_machines,
            machine_rank=machine_rank,
            dist_url=dist_url,
            args=args,
            timeout=timeout,
        )
    if dist_url in (None, "auto"):
        if num_machines > 1:
            raise LaunchError("--dist-url auto works on one machine only; pass tcp://HOST:PORT")
        dist_url = f"tcp://127.0.0.1:{free_port()}"
    worker_args = (main_func, args, world_size, num_processes, machine_rank, dist_url)
    context = mp.start_processes(
        _cpu_worker,
        nprocs=num_processes,
        args=(*worker_args, timeout),
        join=False,
        start_method="spawn",
    )
    try:
        while not context.join():
            pass
    except mp.ProcessExitedException as e:
        rank = machine_rank * num_processes + e.error_index
        if e.exit_code in (INTERRUPTED_EXIT, INTERRUPT_REPORTED_EXIT):
            reported = e.exit_code == INTERRUPT_REPORTED_EXIT
            raise Interrupted("" if reported else "interrupted") from None
        why = "on the error above" if e.exit_code == CLEAN_ERROR_EXIT else f"with {e.exit_code}"
        raise LaunchError(f"process {rank} of {world_size} stopped {why}") from None
    except KeyboardInterrupt:
        codes = stop_workers(context.processes)
        raise Interrupted("" if INTERRUPT_REPORTED_EXIT in codes else "interrupted") from None


def stop_workers(processes, grace=INTERRUPT_GRACE_S):
    """After Ctrl-C: let the workers stop on their own (the terminal sent them SIGINT too),
    pass SIGINT on to those still running after ``grace`` seconds, terminate them after twice
    that; their exit codes."""
    for step in (signal.SIGINT, signal.SIGTERM, None):
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        alive = [p for p in processes if p.is_alive()]
        if not alive or step is None:
            break
        for process in alive:
            os.kill(process.pid, step)
    return [p.exitcode for p in processes]


def launch_from_args(main_func, args, cfg):
    """``launch(main_func, args)`` with detectron2's command-line ``args`` (``--num-gpus``,
    ``--num-machines``, ``--machine-rank``, ``--dist-url``); CPU processes when ``cfg`` runs
    on the CPU."""
    return launch(
        main_func,
        args.num_gpus,
        num_machines=args.num_machines,
        machine_rank=args.machine_rank,
        dist_url=args.dist_url,
        args=(args,),
        cpu=cfg.MODEL.DEVICE == "cpu",
    )


def _cpu_worker(
    local_rank, main_func, args, world_size, num_processes, machine_rank, dist_url, timeout
):
    rank = machine_rank * num_processes + local_rank
    dist.init_process_group(
        backend="gloo", init_method=dist_url, world_size=world_size, rank=rank, timeout=timeout
    )
    for machine in range(world_size // num_processes):
        ranks = list(range(machine * num_processes, (machine + 1) * num_processes))
        group = dist.new_group(ranks)
        if machine == machine_rank:
            set_local_process_group(group)
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // num_processes))
    comm.synchronize()
    try:
        main_func(*args)
    except GNDetError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        sys.exit(CLEAN_ERROR_EXIT)
    except KeyboardInterrupt as e:  # the main process says where training stopped
        if rank == 0 and isinstance(e, Interrupted) and str(e):
            print(e, file=sys.stderr, flush=True)
            sys.exit(INTERRUPT_REPORTED_EXIT)
        sys.exit(INTERRUPTED_EXIT)
    dist.destroy_process_group()
