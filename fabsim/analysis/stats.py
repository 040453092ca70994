"""Means with 95% Student-t confidence intervals, and paired differences.

No SciPy: the t quantile comes from the regularized incomplete beta function
(continued fraction, as in Numerical Recipes §6.4), inverted by bisection.

Example:
    >>> round(t_quantile(0.975, 9), 4)
    2.2622
    >>> estimate([1.0, 2.0, 3.0]).mean
    2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95% confidence interval (None if n < 2)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int
    clipped: bool = False  # an end was moved to a bound the quantity cannot cross

    @property
    def half_width(self) -> float | None:
        return None if self.low is None else (self.high - self.low) / 2

    def within(self, lowest: float, highest: float) -> Estimate:
        """The same estimate with its interval clipped to [lowest, highest].

        A yield cannot exceed 1 nor a count fall below 0, however few the
        replications: the Student-t interval is cut at the bound (and marked
        ``clipped``), so a report never shows an impossible value.

        Example:
            >>> Estimate(0.97, 0.92, 1.02, 3).within(0.0, 1.0)
            Estimate(mean=0.97, low=0.92, high=1.0, n=3, clipped=True)
        """
        if self.low is None or (self.low >= lowest and self.high <= highest):
            return self
        return Estimate(
            self.mean, max(self.low, lowest), min(self.high, highest), self.n, clipped=True
        )

    def to_dict(self) -> dict:
        """The JSON form: ``{"mean": x, "ci95": [lo, hi]}``."""
        return {"mean": self.mean, "ci95": [self.low, self.high]}

    def significant(self) -> bool:
        """True when the interval excludes zero (for differences)."""
        return self.low is not None and (self.low > 0 or self.high < 0)


def estimate(values, confidence: float = 0.95) -> Estimate:
    """Mean and Student-t interval of independent replications; NaN/None skipped."""
    data = [float(v) for v in values if v is not None and not math.isnan(v)]
    n = len(data)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = math.fsum(data) / n
    if n < 2:
        return Estimate(mean, None, None, n)
    variance = math.fsum((x - mean) ** 2 for x in data) / (n - 1)
    half = t_quantile(0.5 + confidence / 2, n - 1) * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half, n)


def paired_difference(a, b, confidence: float = 0.95) -> Estimate:
    """Interval of mean(b - a) over replications paired by index (common random numbers)."""
    pairs = [
        (x, y)
        for x, y in zip(a, b, strict=True)
        if x is not None and y is not None and not math.isnan(x) and not math.isnan(y)
    ]
    return estimate([y - x for x, y in pairs], confidence)


@lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """Quantile ``p`` (> 0.5) of Student's t with ``df`` degrees of freedom."""
    low, high = 0.0, 1.0
    while _t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, x)
    return 1 - tail if t >= 0 else tail


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 3e-16:
            break
    return h


def unpaired_difference(a, b, confidence: float = 0.95) -> Estimate:
    """Welch interval of mean(b) - mean(a) treating the runs as independent.

    Shown beside the paired interval to make the gain of common random
    numbers visible; comparisons report the paired one.
    """
    xs = [float(v) for v in a if v is not None and not math.isnan(v)]
    ys = [float(v) for v in b if v is not None and not math.isnan(v)]
    if len(xs) < 2 or len(ys) < 2:
        return Estimate(None, None, None, min(len(xs), len(ys)))
    mx, my = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    vx = math.fsum((x - mx) ** 2 for x in xs) / (len(xs) - 1) / len(xs)
    vy = math.fsum((y - my) ** 2 for y in ys) / (len(ys) - 1) / len(ys)
    spread = math.sqrt(vx + vy)
    if spread == 0:
        return Estimate(my - mx, my - mx, my - mx, min(len(xs), len(ys)))
    df = (vx + vy) ** 2 / (
        (vx**2 / (len(xs) - 1) if vx else 0) + (vy**2 / (len(ys) - 1) if vy else 0)
    )
    half = t_quantile(0.5 + confidence / 2, max(1.0, df)) * spread  # Welch df, not rounded
    return Estimate(my - mx, my - mx - half, my - mx + half, min(len(xs), len(ys)))
