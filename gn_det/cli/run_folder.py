"""``own_folder``: a tool's run holds the lock of the folder it writes (``gn_det.utils.run_lock``)
and says so when it takes over the lock of a run that died; ``launch_in_folder`` launches a
run's processes holding it."""

import contextlib
import shlex
import sys

from ..engine.launch import launch_from_args
from ..utils.run_lock import RunLock


@contextlib.contextmanager
def own_folder(folder, what):
    """Hold ``folder``'s run lock for the block (``what`` names it in messages, e.g.
    ``OUTPUT_DIR``); RunLockError naming the holder if another run has it."""
    command = shlex.join(getattr(sys, "orig_argv", sys.argv))
    with RunLock(folder, command, what=what) as lock:
        if lock.took_over:
            print(f"warning: {lock.took_over}", file=sys.stderr, flush=True)
        yield lock


def launch_in_folder(folder, what, main_func, args, cfg=None, *, cpu=None):
    """``launch_from_args(main_func, args, cfg, cpu=cpu)`` holding ``folder``'s lock. The
    launcher holds it for all its processes; with ``--num-machines``, the folder is machine
    0's and the other machines' launchers do not take it."""
    if args.machine_rank:
        return launch_from_args(main_func, args, cfg, cpu=cpu)
    with own_folder(folder, what):
        return launch_from_args(main_func, args, cfg, cpu=cpu)
