"""``run_cli``: how every gn_det tool ends. A user error (``GNDetError``) or a file system that
refuses writes (full disk, quota, read-only) is one ``error:`` line and exit status 1; Ctrl-C
is one line saying what was interrupted (and how to resume, when training) and exit status 130;
anything else is a bug and keeps its traceback."""

import sys

from ..utils.atomic_file import refused_write, refused_write_message
from ..utils.errors import INTERRUPTED_EXIT, GNDetError, Interrupted


def run_cli(main, argv=None):
    """Run a tool's ``main(argv)``. A non-zero int it returns is the exit status; any other
    value is returned (tests call tools in-process this way)."""
    try:
        status = main(argv)
    except GNDetError as e:
        sys.exit(f"error: {e}")
    except KeyboardInterrupt as e:
        line = str(e) if isinstance(e, Interrupted) else "interrupted"
        if line:
            print(line, file=sys.stderr, flush=True)
        sys.exit(INTERRUPTED_EXIT)
    except OSError as e:
        if not refused_write(e):  # a full disk is not a bug; anything else is
            raise
        sys.exit(f"error: {refused_write_message(e)}")
    if isinstance(status, int) and not isinstance(status, bool) and status:
        sys.exit(status)
    return status
