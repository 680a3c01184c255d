"""The paper's claims, judged from a study's runs.csv by rules fixed before any result exists.

Every claim is a difference of means with a 95 % CI (``stats.py``: Welch for independent
cells, paired per-seed differences for the carry-over variants), oriented so that the claimed
direction is positive ("A is better than B": lower error, higher AP). Verdicts:

- directional claim ("A better than B"): **holds** when the CI of the difference excludes 0
  in the claimed direction, **contradicted** when it excludes 0 in the other direction, else
  **inconclusive**;
- equivalence claim ("flat", "level", "matches"): with the margin ``EQUIVALENCE_MARGIN`` of the
  metric, **holds** when the CI lies inside (-margin, +margin), **contradicted** when it lies
  entirely outside it, else **inconclusive**;
- "not worse by more than the margin" (G=32 near the best group count): **holds** when the CI's
  upper end is below the margin, **contradicted** when its lower end is above it;
- convergence ("doubling the schedule moves the mean by less than its CI half-width"):
  **holds** when |mean(2x) - mean(1x)| is smaller than the half-width of the 1x mean's CI,
  **contradicted** when the CI of the difference excludes 0, else **inconclusive**.

A claim whose cells lack data is not written; one whose cells have fewer than 2 runs each is
inconclusive (no CI).
"""

from .batch import batch_claims
from .carryover import (
    CARRYOVER_ROLES,
    carryover_claims,
    carryover_comparisons,
    carryover_roles,
    carryover_schedules,
    paired_difference,
    paired_values,
    role_text,
    variant_values,
)
from .convergence import convergence_claims
from .groups import group_claims
from .run_index import DEFAULT_SCHEDULE, RunIndex, cell_label, schedule_parts
from .verdicts import (
    CLAIM_FIELDS,
    CONTRADICTED,
    EQUIVALENCE_MARGIN,
    HOLDS,
    INCONCLUSIVE,
    LOWER_IS_BETTER,
    converged,
    directional,
    equivalent,
    not_worse_by,
)


def judge(rows):
    """Every claim the runs can judge, in a fixed order."""
    index = RunIndex(rows)
    claims = []
    for metric in index.metrics():
        plain = sorted({k[5] for k in index.keys(metric, variant="")}, key=schedule_parts)
        for schedule in plain:
            claims += batch_claims(index, metric, schedule)
            claims += group_claims(index, metric, schedule)
        claims += carryover_claims(index, metric)
        claims += convergence_claims(index, metric)
    return claims


__all__ = [
    "CARRYOVER_ROLES",
    "CLAIM_FIELDS",
    "CONTRADICTED",
    "DEFAULT_SCHEDULE",
    "EQUIVALENCE_MARGIN",
    "HOLDS",
    "INCONCLUSIVE",
    "LOWER_IS_BETTER",
    "RunIndex",
    "carryover_comparisons",
    "carryover_roles",
    "carryover_schedules",
    "cell_label",
    "converged",
    "directional",
    "equivalent",
    "judge",
    "not_worse_by",
    "paired_difference",
    "paired_values",
    "role_text",
    "schedule_parts",
    "variant_values",
]
