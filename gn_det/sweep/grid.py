"""The cells of a sweep: norm kinds x images per batch (x GN group counts or group sizes)
x seeds (x pretraining seeds when the grid fine-tunes), or config variants x pretraining
seeds x seeds.

A norm is a variant string (gn_det.modeling.variant): a ``MODEL.NORM.TYPE`` kind with
options, e.g. ``"GN+WS"`` for ``MODEL.NORM.TYPE GN MODEL.NORM.WS True``.
"""

from dataclasses import dataclass, replace

from ..modeling.variant import Variant
from ..utils.errors import GNDetError


class SweepError(GNDetError, ValueError):
    """A sweep that cannot run as asked (bad grid, config or folder); one line, exit 1."""


# The schedule label of equal epochs at the config's length (no folder-name suffix).
DEFAULT_SCHEDULE = "epochs"


@dataclass(frozen=True)
class Cell:
    """One training run of the grid."""

    norm: str
    batch: int
    groups: int = 0  # MODEL.NORM.NUM_GROUPS if > 0, else the config's own
    channels_per_group: int = 0  # MODEL.NORM.CHANNELS_PER_GROUP if > 0
    seed: int | None = None  # the SEED config key (data order, init, augmentation), if set
    schedule: str = ""  # schedule label (BaseSchedule.label); "" and "epochs" name no suffix
    variant: str = ""  # a config variant's label: its config sets the norm (tasks.VariantTask)
    pretrain_seed: int | None = None  # seed of the pretraining run whose weights it loads

    @property
    def name(self):
        """The cell's folder name, e.g. ``GN+WS_b8``, ``GN_b32_g16_s2``, ``BN_b2_iters_s0`` or
        ``a_gn_pretrained_epochs_x4_p1_s0``."""
        if self.variant:
            name = self.variant
        else:
            name = f"{self.norm}_b{self.batch}"
            if self.groups:
                name += f"_g{self.groups}"
            if self.channels_per_group:
                name += f"_cpg{self.channels_per_group}"
        if self.schedule not in ("", DEFAULT_SCHEDULE):
            name += f"_{self.schedule}"
        if self.pretrain_seed is not None:
            name += f"_p{self.pretrain_seed}"
        if self.seed is not None:
            name += f"_s{self.seed}"
        return name

    def seed_opts(self):
        """``SEED <seed>`` if the cell has a seed (else the config's SEED stays)."""
        return [] if self.seed is None else ["SEED", str(self.seed)]

    def norm_opts(self):
        """``KEY VALUE`` overrides that select this cell's norm (none for a variant: its
        config sets the norm)."""
        if self.variant:
            return []
        opts = Variant.parse(self.norm).opts()
        if self.groups:
            opts += ["MODEL.NORM.NUM_GROUPS", str(self.groups)]
        if self.channels_per_group:
            opts += ["MODEL.NORM.CHANNELS_PER_GROUP", str(self.channels_per_group)]
        return opts


def check_seeds(flag, seeds):
    """Reject a negative seed (detectron2 reads SEED -1 as "random")."""
    bad = [s for s in seeds if s < 0]
    if bad:
        raise SweepError(f"{flag} {bad[0]}: must be >= 0")


def with_seeds(cells, seeds, schedule=""):
    """``cells`` once per seed (seed-major: a sweep stopped early has whole grids of the first
    seeds), each with the ``schedule`` label; once, without a seed, if ``seeds`` is empty."""
    check_seeds("--seeds", seeds)
    seeds = list(dict.fromkeys(seeds)) or [None]
    return [replace(c, seed=s, schedule=schedule) for s in seeds for c in cells]


def build_grid(
    norms, batches, groups=(), channels_per_group=(), seeds=(), schedule="", pretrain_seeds=()
):
    """Cells for every seed x pretraining seed x batch x norm, in that order; GN cells (any
    options) get one cell per group count and per group size when those are given (else one
    with the config's groups)."""
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
    check_seeds("--pretrain-seeds", pretrain_seeds)
    if pretrain_seeds:
        cells = [replace(c, pretrain_seed=p) for p in dict.fromkeys(pretrain_seeds) for c in cells]
    return with_seeds(cells, seeds, schedule)
