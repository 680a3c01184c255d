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

from ..compat.detectron2_private import forget_process_groups, set_local_process_group
from ..utils.cpu_threads import passive_openmp_for_children, usable_cpus
from ..utils.errors import INTERRUPTED_EXIT, GNDetError, Interrupted

DEFAULT_TIMEOUT = timedelta(minutes=30)
# Exit code of a worker that stopped on an expected error (after handing it to the launcher).
CLEAN_ERROR_EXIT = 2
# How often the launcher looks for a worker's error, and how long that worker waits to be
# stopped with the others (so that none of them meets a broken collective and its traceback).
POLL_S = 0.2
STOP_WAIT_S = 60
# After Ctrl-C, how long the launcher lets workers stop on their own before it passes the
# signal on (a SIGINT sent to the launcher alone) and, after as long again, terminates them.
INTERRUPT_GRACE_S = 10
# What a worker hands the launcher: a user error's message, or where Ctrl-C stopped training.
ERROR, INTERRUPTED = "error", "interrupted"


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
    CUDA ``launch`` runs. When a CPU worker raises a GNDetError (a user error), every process
    is stopped and the launcher raises a LaunchError with its message: one line, no traceback,
    no process left waiting for the one that stopped. On Ctrl-C the launcher lets the workers
    stop and raises Interrupted with the main worker's line (where training stopped).
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
    errors = mp.get_context("spawn").SimpleQueue()
    worker_args = (main_func, args, world_size, num_processes, machine_rank, dist_url, timeout)
    passive_openmp_for_children()  # the workers share the cores: their threads must not spin
    processes = mp.start_processes(
        _cpu_worker, nprocs=num_processes, args=(*worker_args, errors), start_method="spawn",
        join=False,
    )  # fmt: skip
    try:
        while errors.empty():
            if processes.join(timeout=POLL_S):
                return None
    except mp.ProcessExitedException as e:
        if errors.empty() and e.exit_code != INTERRUPTED_EXIT:
            rank = machine_rank * num_processes + e.error_index
            raise LaunchError(
                f"process {rank} of {world_size} stopped with {_exit_status(e)}"
            ) from None
        if errors.empty():  # a worker stopped on Ctrl-C: wait for the main one's line
            _stop(processes.processes, grace=INTERRUPT_GRACE_S)
            raise _interrupted(errors) from None
    except KeyboardInterrupt:
        _stop(processes.processes, grace=INTERRUPT_GRACE_S)
        raise _interrupted(errors) from None
    kind, message = errors.get()
    if kind == INTERRUPTED:
        _stop(processes.processes, grace=INTERRUPT_GRACE_S)
        raise Interrupted(message or "interrupted")
    _stop(processes.processes)
    raise LaunchError(message)


def _exit_status(e):
    """How a worker ended: 'signal SIGABRT' or 'exit code 1'."""
    return f"signal {e.signal_name}" if e.signal_name else f"exit code {e.exit_code}"


def _interrupted(errors):
    """Interrupted with the line a worker handed over after Ctrl-C (or just 'interrupted')."""
    while not errors.empty():
        kind, message = errors.get()
        if kind == INTERRUPTED and message:
            return Interrupted(message)
    return Interrupted("interrupted")


def _stop(processes, grace=0):
    """End every process of ``processes`` that still runs: the others may wait in a collective
    for the one that stopped, and would wait until the timeout. With ``grace`` (after Ctrl-C,
    which the terminal sends to every process), they get ``grace`` seconds to stop on their
    own, then SIGINT and as long again; then they are terminated."""
    for step in (signal.SIGINT, None) if grace else (None,):
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive() and step:
                os.kill(process.pid, step)
            elif process.is_alive():
                process.terminate()
    for process in processes:
        process.join()


def launch_from_args(main_func, args, cfg=None, *, cpu=None):
    """``launch(main_func, args)`` with detectron2's command-line ``args`` (``--num-gpus``,
    ``--num-machines``, ``--machine-rank``, ``--dist-url``); CPU processes when the YAML
    ``cfg`` runs on the CPU, or if ``cpu`` (a LazyConfig's ``train.device`` is "cpu")."""
    cpu = cfg.MODEL.DEVICE == "cpu" if cpu is None else cpu
    return launch(
        main_func,
        args.num_gpus,
        num_machines=args.num_machines,
        machine_rank=args.machine_rank,
        dist_url=args.dist_url,
        args=(args,),
        cpu=cpu,
    )


def _cpu_worker(
    local_rank, main_func, args, world_size, num_processes, machine_rank, dist_url, timeout, errors
):
    rank = machine_rank * num_processes + local_rank
    dist.init_process_group(
        backend="gloo", init_method=dist_url, world_size=world_size, rank=rank, timeout=timeout
    )
    for machine in range(world_size // num_processes):
        ranks = list(range(machine * num_processes, (machine + 1) * num_processes))
        if machine == machine_rank:
            set_local_process_group(dist.new_group(ranks))
        else:  # every process joins every new_group call, in the same order
            dist.new_group(ranks)
    torch.set_num_threads(max(1, usable_cpus() // num_processes))
    comm.synchronize()
    try:
        main_func(*args)
    except GNDetError as e:
        errors.put((ERROR, str(e)))  # the launcher raises it as one error and stops the others
        time.sleep(STOP_WAIT_S)
        sys.exit(CLEAN_ERROR_EXIT)
    except KeyboardInterrupt as e:  # the main process says where training stopped
        if rank == 0:
            errors.put((INTERRUPTED, str(e) if isinstance(e, Interrupted) else ""))
        sys.exit(INTERRUPTED_EXIT)
    end_process_group()


def end_process_group():
    """Wait for every process, destroy the process groups, and drop detectron2's references
    to them, so that they are freed and their gloo threads joined here, not during interpreter
    shutdown. A gloo process that destroys them while a peer still receives its last send
    (the main process gathering evaluation results) can abort with SIGABRT at exit, failing a
    run that has finished; one whose groups are freed during shutdown can too."""
    comm.synchronize()
    dist.destroy_process_group()
    forget_process_groups()
