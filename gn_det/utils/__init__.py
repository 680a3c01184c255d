"""Generic helpers with no gn_det dependency: the user-error base, atomic files, random state,
the OpenMP wait policy and usable cores of CPU runs (cpu_threads), safe YAML configs, output
checks, the run lock, warning filters."""

from .atomic_file import FileWriteError, atomic_open
from .errors import GNDetError, Interrupted
from .rng import rng_state, seeded_rng, set_rng_state

__all__ = [
    "FileWriteError",
    "GNDetError",
    "Interrupted",
    "atomic_open",
    "rng_state",
    "seeded_rng",
    "set_rng_state",
]
