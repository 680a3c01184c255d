"""gn_det's tools: one module per tool, each with ``main(argv=None)``, run by ``run_cli`` as
``python -m gn_det.cli.<tool>``, ``tools/<tool>.py`` or the ``gn-det-*`` console scripts."""

from .runner import run_cli

__all__ = ["run_cli"]
