"""``GNDetError``: the base of every error caused by the user's input (config, data, files,
command line) or by a run that cannot go on (divergence). Tools print it as one ``error:``
line, without a traceback (``gn_det.cli.run_cli``); anything else is a bug and keeps its
traceback."""


class GNDetError(Exception):
    """A user error; its message names the file, key or value and what is expected."""


# Exit status of a run stopped by Ctrl-C (128 + SIGINT), the shell's convention.
INTERRUPTED_EXIT = 130


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the line that says where the work stopped and how to continue (printed by
    ``run_cli``; empty if a worker process has printed it already)."""
