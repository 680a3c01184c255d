"""Convergence: does doubling a cell's schedule move its mean by less than its CI half-width?"""

from ..stats import mean_ci, welch_diff
from .run_index import cell_label, schedule_parts
from .verdicts import claim_row, converged


def convergence_claims(index, metric):
    """For every cell run at a schedule and at twice it: does doubling move the mean by less
    than the 1x mean's CI half-width?"""
    claims = []
    by_cell = {}
    for key in index.keys(metric):
        by_cell.setdefault(key[:5], {})[schedule_parts(key[5])] = key[5]
    for cell, schedules in sorted(by_cell.items(), key=lambda kv: str(kv[0])):
        for (base, scale), label in sorted(schedules.items()):
            double = schedules.get((base, scale * 2))
            if double is None:
                continue
            one = index.values(metric, *cell[1:5], schedule=label, variant=cell[0])
            two = index.values(metric, *cell[1:5], schedule=double, variant=cell[0])
            delta, ref = welch_diff(two, one), mean_ci(one)
            hw = f"{ref.half_width:.2f}" if ref.has_ci else "n/a"
            claims.append(
                claim_row(
                    f"[{metric}] converged: {cell_label(cell)} {label} -> {double} moves the mean "
                    f"by less than the {label} CI half-width ({hw})",
                    "-",
                    delta,
                    converged(delta, ref),
                    "|Δ| < half-width of the shorter CI",
                )
            )
    return claims
