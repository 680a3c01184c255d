"""Check every cell before anything runs: the config loads and each cell's model builds.

Each cell's model is built on the ``meta`` device (shapes only), so a GN group count that
does not divide one of the model's real layers marks that cell invalid, naming the layer.
"""

import os

from ..engine.model_check import build_meta_model
from ..engine.setup import ConfigError, load_config
from ..modeling import NormConfigError
from .grid import SweepError


def load_base_config(config_file, opts, flag="--config-file"):
    """The sweep's config (file + user overrides); a one-line error naming ``flag`` if it is
    missing, and the file (or its ``_BASE_``) if it is bad."""
    if not config_file or not os.path.lexists(config_file):
        raise SweepError(f"{flag} {config_file or '(none)'} does not exist")
    try:
        return load_config(config_file, opts)
    except (ConfigError, NormConfigError) as e:
        raise SweepError(str(e)) from None


def invalid_reason(task, cell):
    """Why ``cell`` cannot run (one line), or None if its config loads, its model builds and
    the pretrained weights it names exist (they may come from an earlier step of a study)."""
    weights = task.weights_for(cell)
    if weights and "://" not in weights and not os.path.isfile(weights):
        return f"MODEL.WEIGHTS {weights} does not exist yet (run the step that writes it)"
    try:
        opts = [*task.cell_opts(cell), "MODEL.DEVICE", "cpu"]  # shapes only: no device needed
        build_meta_model(load_config(task.config_for(cell), opts))
    except (ConfigError, NormConfigError) as e:
        return str(e)
    return None


def validate_cells(task, cells):
    """{cell: reason} for the cells that cannot run."""
    reasons = {cell: invalid_reason(task, cell) for cell in cells}
    return {cell: r for cell, r in reasons.items() if r}
