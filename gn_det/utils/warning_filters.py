"""Quiet by default: third-party warnings that a gn_det user cannot act on are not shown, so
that gn_det's own ``warning:`` lines stand out.

Each filter is named and says why it is safe. ``python -W default tools/...``, any
``PYTHONWARNINGS`` value, or ``GN_DET_SHOW_WARNINGS=1`` shows everything.
"""

import contextlib
import logging
import os
import re
import sys
import warnings
from dataclasses import dataclass

SHOW_ALL_ENV = "GN_DET_SHOW_WARNINGS"


@dataclass(frozen=True)
class KnownWarning:
    """A warning (``category``) or a log record (``logger``) whose message starts with
    ``message`` (a regular expression)."""

    name: str
    message: str
    why: str
    category: type = Warning
    logger: str = ""


KNOWN_WARNINGS = (
    KnownWarning(
        "torch-jit-script-deprecated",
        r"`torch\.jit\.script` is deprecated",
        "detectron2 v0.6 and torchvision script small helpers when imported; nothing to change "
        "in a config or command",
        FutureWarning,
    ),
    KnownWarning(
        "torch-meshgrid-indexing",
        r"torch\.meshgrid: in an upcoming release, it will be required to pass the indexing",
        "detectron2's anchor generator calls meshgrid with its default 'ij' indexing",
        UserWarning,
    ),
    KnownWarning(
        "numpy-array-not-writable",
        r"The given NumPy array is not writable",
        "detectron2 turns decoded masks into tensors without writing to them",
        UserWarning,
    ),
    KnownWarning(
        "ddp-broadcast-buffers-deprecated",
        r"`broadcast_buffers` is deprecated",
        "detectron2's create_ddp_model passes broadcast_buffers=False to DDP (multi-process runs)",
        FutureWarning,
    ),
    KnownWarning(
        "torch-typed-storage-deprecated",
        r"TypedStorage is deprecated",
        "detectron2's all_gather (multi-process evaluation and checkpoints) uses ByteStorage",
        UserWarning,
    ),
    KnownWarning(
        "torch-no-cuda-runtime",
        r"No CUDA runtime is found",
        "logged by torch.utils.cpp_extension (imported by detectron2's environment report) on "
        "machines without CUDA; gn_det says itself when it runs on the CPU",
        logger="torch.utils.cpp_extension",
    ),
)


def show_all_warnings():
    """True if the user asked for every warning (``-W``, ``PYTHONWARNINGS`` or
    ``GN_DET_SHOW_WARNINGS``)."""
    return bool(sys.warnoptions) or os.environ.get(SHOW_ALL_ENV, "0") not in ("", "0")


class _KnownRecords(logging.Filter):
    def __init__(self, known):
        super().__init__()
        self.known, self.pattern = known, re.compile(known.message)

    def filter(self, record):
        return not self.pattern.match(record.getMessage())


def _filter_warnings():
    for known in KNOWN_WARNINGS:
        if not known.logger:
            warnings.filterwarnings("ignore", message=known.message, category=known.category)


def ignore_known_warnings():
    """Hide the KNOWN_WARNINGS for the rest of this process, unless the user asked for all."""
    if show_all_warnings():
        return
    _filter_warnings()
    for known in KNOWN_WARNINGS:
        if known.logger:
            logger = logging.getLogger(known.logger)
            if not any(getattr(f, "known", None) == known for f in logger.filters):
                logger.addFilter(_KnownRecords(known))


@contextlib.contextmanager
def known_warnings_ignored():
    """Hide the KNOWN_WARNINGS (warnings, not log records) inside the block only: the warning
    filters are restored after it. For gn_det's own imports, which import detectron2."""
    with warnings.catch_warnings():
        if not show_all_warnings():
            _filter_warnings()
        yield
