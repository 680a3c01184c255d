"""``GNDetError``: the base of every error caused by the user's input (config, data, files,
command line) or by a run that cannot go on (divergence). Tools print it as one ``error:``
line, without a traceback (``gn_det.cli.run_cli``); anything else is a bug and keeps its
traceback."""


class GNDetError(Exception):
    """A user error; its message names the file, key or value and what is expected."""
