"""The cells of a sweep: norm kinds x images per batch (x GN group counts or group sizes).

A norm name is a ``MODEL.NORM.TYPE`` kind, optionally with ``+WS`` (Weight
Standardization): ``"GN+WS"`` means ``MODEL.NORM.TYPE GN MODEL.NORM.WS True``.
"""

from dataclasses import dataclass

from ..modeling import NORM_KINDS
from ..utils.errors import GNDetError


class SweepError(GNDetError, ValueError):
    """A sweep that cannot run as asked (bad grid, config or folder); one line, exit 1."""


# Norm names whose cells take the --groups / --channels-per-group values.
GROUPED_NORMS = ("GN", "GN+WS")


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
        kind, _, extra = self.norm.partition("+")
        opts = ["MODEL.NORM.TYPE", kind]
        if extra:
            opts += ["MODEL.NORM.WS", "True"]
        if self.groups:
            opts += ["MODEL.NORM.NUM_GROUPS", str(self.groups)]
        if self.channels_per_group:
            opts += ["MODEL.NORM.CHANNELS_PER_GROUP", str(self.channels_per_group)]
        return opts


def check_norm_name(norm):
    """Reject a norm name that is not a kind or ``<kind>+WS``."""
    kind, plus, extra = norm.partition("+")
    if kind not in NORM_KINDS or (plus and extra != "WS"):
        raise SweepError(
            f"--norms {norm!r} is not a norm; use one of {', '.join(NORM_KINDS)}, "
            "optionally with +WS (e.g. GN+WS)"
        )


def build_grid(norms, batches, groups=(), channels_per_group=()):
    """Cells for every batch x norm, in that order; GN/GN+WS cells get one cell per group
    count and per group size when those are given (else one cell with the config's groups)."""
    if not norms or not batches:
        raise SweepError("the grid is empty: give at least one --norms and one --batches value")
    for norm in norms:
        check_norm_name(norm)
    for flag, values in (("--batches", batches), ("--groups", groups),
                         ("--channels-per-group", channels_per_group)):  # fmt: skip
        bad = [v for v in values if v <= 0]
        if bad:
            raise SweepError(f"{flag} {bad[0]}: must be a positive integer")
    cells = []  # batch-major: a sweep stopped early has every norm at the first batches
    for batch in dict.fromkeys(batches):
        for norm in dict.fromkeys(norms):
            if norm in GROUPED_NORMS and (groups or channels_per_group):
                cells += [Cell(norm, batch, groups=g) for g in dict.fromkeys(groups)]
                cells += [Cell(norm, batch, channels_per_group=c)
                          for c in dict.fromkeys(channels_per_group)]  # fmt: skip
            else:
                cells.append(Cell(norm, batch))
    return cells
