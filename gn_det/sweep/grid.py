"""The cells of a sweep: norm variants x images per batch (x GN group counts or group sizes).

A norm is a variant string (gn_det.modeling.variant): a ``MODEL.NORM.TYPE`` kind with
options, e.g. ``"GN+WS"`` for ``MODEL.NORM.TYPE GN MODEL.NORM.WS True``.
"""

from dataclasses import dataclass

from ..modeling.variant import Variant
from ..utils.errors import GNDetError


class SweepError(GNDetError, ValueError):
    """A sweep that cannot run as asked (bad grid, config or folder); one line, exit 1."""


@dataclass(frozen=True)
class Cell:
    """One training run of the grid."""

    norm: str
    batch: int
    groups: int = 0  # MODEL.NORM.NUM_GROUPS if > 0, else the config's own
    channels_per_group: int = 0  # MODEL.NORM.CHANNELS_PER_GROUP if > 0

    @property
    def name(self):
        """The cell's folder name, e.g. ``GN+WS_b8`` or ``GN_b32_g16``."""
        name = f"{self.norm}_b{self.batch}"
        if self.groups:
            name += f"_g{self.groups}"
        if self.channels_per_group:
            name += f"_cpg{self.channels_per_group}"
        return name

    def norm_opts(self):
        """``KEY VALUE`` overrides that select this cell's norm."""
        opts = Variant.parse(self.norm).opts()
        if self.groups:
            opts += ["MODEL.NORM.NUM_GROUPS", str(self.groups)]
        if self.channels_per_group:
            opts += ["MODEL.NORM.CHANNELS_PER_GROUP", str(self.channels_per_group)]
        return opts


def build_grid(norms, batches, groups=(), channels_per_group=()):
    """Cells for every batch x norm, in that order; GN cells (any options) get one cell per
    group count and per group size when those are given (else one with the config's groups)."""
    if not norms or not batches:
        raise SweepError("the grid is empty: give at least one --norms and one --batches value")
    grouped = {norm: Variant.parse(norm).takes_group_setting for norm in norms}
    for flag, values in (("--batches", batches), ("--groups", groups),
                         ("--channels-per-group", channels_per_group)):  # fmt: skip
        bad = [v for v in values if v <= 0]
        if bad:
            raise SweepError(f"{flag} {bad[0]}: must be a positive integer")
    cells = []  # batch-major: a sweep stopped early has every norm at the first batches
    for batch in dict.fromkeys(batches):
        for norm in dict.fromkeys(norms):
            if grouped[norm] and (groups or channels_per_group):
                cells += [Cell(norm, batch, groups=g) for g in dict.fromkeys(groups)]
                cells += [Cell(norm, batch, channels_per_group=c)
                          for c in dict.fromkeys(channels_per_group)]  # fmt: skip
            else:
                cells.append(Cell(norm, batch))
    return cells
