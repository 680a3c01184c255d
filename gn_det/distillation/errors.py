"""The error of a distillation input that cannot be used (printed as one ``error:`` line)."""

from ..utils.errors import GNDetError


class DistillationError(GNDetError, ValueError):
    """A teacher or setting that distillation cannot use; the message says why and what to do."""
