"""Generic helpers with no gn_det dependency: the user-error base, atomic files, random state,
the OpenMP wait policy of CPU runs (cpu_threads)."""

from .atomic_file import atomic_open
from .errors import GNDetError
from .rng import rng_state, seeded_rng, set_rng_state

__all__ = ["GNDetError", "atomic_open", "rng_state", "seeded_rng", "set_rng_state"]
