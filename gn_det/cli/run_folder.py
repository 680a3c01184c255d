"""``own_folder``: a tool's run holds the lock of the folder it writes (``gn_det.utils.run_lock``)
and says so when it takes over the lock of a run that died."""

import contextlib
import shlex
import sys

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
