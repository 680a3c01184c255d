"""The error of every evaluation tool's bad input: the tools print its one line and exit 1."""

from ..utils.errors import GNDetError


class EvaluationInputError(GNDetError, ValueError):
    """A ground-truth, results, metrics or run file that cannot be used; the message names it."""
