"""The error of every evaluation tool's bad input: the tools print its one line and exit 1."""


class EvaluationInputError(ValueError):
    """A ground-truth, results, metrics or run file that cannot be used; the message names it."""
