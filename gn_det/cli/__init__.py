"""gn_det's tools: one module per tool, each with ``main(argv=None)``, run by ``run_cli`` as
``python -m gn_det.cli.<tool>``, ``tools/<tool>.py`` or the ``gn-det-*`` console scripts.

Importing this package means running a tool: known third-party warnings are hidden from here
on (``gn_det.utils.warning_filters``), before the tool module imports detectron2's engine."""

from ..utils.warning_filters import ignore_known_warnings

ignore_known_warnings()

from .runner import run_cli  # noqa: E402

__all__ = ["run_cli"]
