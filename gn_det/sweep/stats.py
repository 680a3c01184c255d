"""Means with 95 % confidence intervals (Student's t), for one cell's seeds, for the difference
of two independent cells (Welch) and for paired per-seed differences.

Pure Python (no SciPy): the t quantile inverts the t distribution's CDF, computed with the
regularized incomplete beta function.
"""

import math
from dataclasses import dataclass

CONFIDENCE = 0.95


def _betacf(a, b, x, iterations=300, eps=3e-16):
    """Continued fraction of the regularized incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, iterations + 1):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def incomplete_beta(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    log_front += a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with ``df`` (> 0, may be fractional) degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF;
    4.303 for p=0.975, df=2)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"t_quantile needs 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class Estimate:
    """A mean (or difference of means) with its 95 % CI; ``low``/``high`` are NaN if n < 2."""

    mean: float
    low: float
    high: float
    n: int
    std: float = math.nan  # sample standard deviation (of the values, or of the differences)

    @property
    def half_width(self):
        return (self.high - self.low) / 2.0

    @property
    def has_ci(self):
        return not (math.isnan(self.low) or math.isnan(self.high))


NO_ESTIMATE = Estimate(math.nan, math.nan, math.nan, 0)


def _ci(mean, se, df):
    if df <= 0 or math.isnan(se):
        return math.nan, math.nan
    half = t_quantile(0.5 + CONFIDENCE / 2.0, df) * se
    return mean - half, mean + half


def sample_std(values):
    """The sample standard deviation (n - 1 in the denominator); NaN for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return math.nan
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def mean_ci(values):
    """The mean of ``values`` with its 95 % CI: mean ± t(0.975, n-1) * std / sqrt(n)."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return NO_ESTIMATE
    mean = sum(values) / n
    std = sample_std(values)
    low, high = _ci(mean, std / math.sqrt(n) if n > 1 else math.nan, n - 1)
    return Estimate(mean, low, high, n, std)


def welch_diff(a, b):
    """mean(a) - mean(b) of two independent samples, with Welch's 95 % CI (Welch-Satterthwaite
    degrees of freedom); no CI unless both have at least 2 values."""
    a, b = [float(v) for v in a], [float(v) for v in b]
    if not a or not b:
        return NO_ESTIMATE
    diff = sum(a) / len(a) - sum(b) / len(b)
    n = min(len(a), len(b))
    if len(a) < 2 or len(b) < 2:
        return Estimate(diff, math.nan, math.nan, n)
    va, vb = sample_std(a) ** 2 / len(a), sample_std(b) ** 2 / len(b)
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Estimate(diff, diff, diff, n)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    low, high = _ci(diff, se, df)
    return Estimate(diff, low, high, n)


def paired_diff(pairs):
    """The mean of per-pair differences ``x - y`` over ``pairs`` [(x, y)] with its 95 % CI."""
    return mean_ci([x - y for x, y in pairs])
