"""``run_cli``: how every gn_det tool ends. A user error (``GNDetError``) is one ``error:`` line
and exit status 1, Ctrl-C is exit status 130; anything else is a bug and keeps its traceback."""

import sys

from ..utils.errors import GNDetError

# Exit status of a run stopped by Ctrl-C (128 + SIGINT), the shell's convention.
INTERRUPTED_EXIT = 130


def run_cli(main, argv=None):
    """Run a tool's ``main(argv)``. A non-zero int it returns is the exit status; any other
    value is returned (tests call tools in-process this way)."""
    try:
        status = main(argv)
    except GNDetError as e:
        sys.exit(f"error: {e}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    if isinstance(status, int) and not isinstance(status, bool) and status:
        sys.exit(status)
    return status
