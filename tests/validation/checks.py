"""The validation suite's pass rule, shared by its test modules and by the benchmarks
that rerun its cases (``benchmarks/validation_table.py``, ``seeds.py``, ``coverage.py``).

A check compares fabsim's mean of one quantity over ``n`` independent replications
with its exact theoretical value. It passes when

    |mean - theory| <= t(1 - ALPHA/2; n - 1) * SE + model_tolerance

with SE = s / sqrt(n), s the sample standard deviation of the replications' values,
and t the Student-t quantile with n - 1 degrees of freedom (SE is estimated from the
same n values, so a normal quantile would be too narrow). Each replication's value
is a time average or a count over a long window, so it is close to normal (central
limit theorem) and (mean - theory) / SE is Student-t when the model is right.

* ALPHA = 1e-5 per check. The validation suite holds at most CHECK_BUDGET = 100
  checks (``benchmarks/seeds.py`` counts them and fails beyond that), so by the union
  bound the probability that *any* check of the suite fails on a correct model is at
  most 100 x 1e-5 = 1e-3, at whatever seed, however the checks are correlated. No
  seed is chosen: the suite runs at seed 1 and passes at any seed with that
  probability.
* ``model_tolerance`` (absolute, in the quantity's units) bounds a *known* bias of
  the estimator that the SE does not see: the edge effects of a finite window on a
  deterministic line, a warm-up of length zero, ... Each case states and derives
  its own; zero unless said otherwise. It is never fitted to the results.
* Power: a check also fails when its bound is wider than ``resolution`` x |theory|.
  A test whose bound grew wide (too few replications, a variance that exploded)
  would otherwise pass whatever the model does. Each resolution is at least twice the
  check's typical bound at the suite's replications, so the estimated SE exceeds it
  with probability below 1e-7 at 19 degrees of freedom (chi-square tail): it adds
  nothing to the false-alarm budget.

The plain 95% confidence interval is kept for reading (``within_ci95``): theory falls
outside it in about one check in twenty at any seed, which is what a 95% interval
means, and is why it is not the pass rule. ``benchmarks/coverage.py`` checks that
it covers the exact values 95% of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fabsim.analysis.stats import Estimate, t_quantile

SUITE_FALSE_ALARM = 1e-3  # probability that a correct model fails any check, any seed
CHECK_BUDGET = 100  # most checks the validation suite may hold (seeds.py verifies)
ALPHA = SUITE_FALSE_ALARM / CHECK_BUDGET  # per check, two-sided: 1e-5


@dataclass
class RunSettings:
    """Seed, replications and worker processes of the validation cases.

    The benchmarks change these (``--seed``, ``--replications``, ``--workers``) to
    rerun the same cases; cases with a replication count of their own (the yield
    case's 1,000, the deterministic lines) keep it.
    """

    seed: int = 1
    replications: int = 20
    workers: int = 1


RUN = RunSettings()


@dataclass(frozen=True)
class Check:
    """One simulated quantity against its exact theoretical value."""

    case: str
    quantity: str
    theory: float
    simulated: Estimate  # mean and Student-t 95% CI over the replications
    resolution: float  # relative: the widest bound that still tests the model
    model_tolerance: float = 0.0  # absolute: a stated bias bound (see the case)
    sampling: bool = True  # False: no sampling error (deterministic line, identity)

    @property
    def standard_error(self) -> float:
        """s / sqrt(n), recovered from the Student-t 95% interval."""
        s = self.simulated
        if s.n < 2:
            return math.inf
        return (s.high - s.low) / 2 / t_quantile(0.975, s.n - 1)

    @property
    def multiplier(self) -> float:
        """t(1 - ALPHA/2; n - 1): about 5.95 at 20 replications, 4.44 at 1,000."""
        return t_quantile(1 - ALPHA / 2, max(self.simulated.n - 1, 1))

    @property
    def bound(self) -> float:
        """The largest |mean - theory| the rule accepts (absolute)."""
        rounding = 1e-9 * max(1.0, abs(self.theory))  # float rounding of exact values
        return self.multiplier * self.standard_error + self.model_tolerance + rounding

    @property
    def error(self) -> float:
        return self.simulated.mean - self.theory

    @property
    def relative_error(self) -> float:
        return self.error / abs(self.theory)

    @property
    def relative_bound(self) -> float:
        return self.bound / abs(self.theory)

    @property
    def z(self) -> float:
        """(mean - theory) / SE; NaN without sampling error."""
        se = self.standard_error
        return self.error / se if 0 < se < math.inf else math.nan

    @property
    def within_bound(self) -> bool:
        return abs(self.error) <= self.bound

    @property
    def powerful(self) -> bool:
        return self.bound <= self.resolution * abs(self.theory)

    @property
    def passed(self) -> bool:
        return self.within_bound and self.powerful

    @property
    def within_ci95(self) -> bool:
        """Theory inside the plain 95% CI (for reading and coverage; not the rule)."""
        slack = 1e-9 * max(1.0, abs(self.theory))
        return self.simulated.low - slack <= self.theory <= self.simulated.high + slack


def describe(check: Check) -> str:
    return (
        f"{check.case} / {check.quantity}: theory {check.theory:.6g}, simulated "
        f"{check.simulated.mean:.6g} (SE {check.standard_error:.3g}, n {check.simulated.n}), "
        f"error {check.relative_error:+.3%}, bound {check.relative_bound:.3%}"
        + ("" if check.powerful else f" wider than the resolution {check.resolution:.1%}")
    )


def assert_checks(checks: list[Check]) -> None:
    """Every check within its bound, and every bound within its resolution."""
    failed = [describe(c) for c in checks if not c.passed]
    assert not failed, "\n".join(failed)


def variance_estimate(values: list[float]) -> Estimate:
    """Sample variance with a distribution-free asymptotic 95% CI (Student-t form).

    Var(s^2) ~ (m4 - s^4 (n - 3)/(n - 1)) / n for n replications, m4 the sample
    fourth central moment (e.g. Casella & Berger, Statistical Inference, ex. 5.8).
    The interval is t(0.975; n - 1) x SE wide so that ``Check.standard_error``
    recovers SE; at n = 1,000 the t and normal quantiles differ by 0.1%.
    """
    count = len(values)
    mean = math.fsum(values) / count
    variance = math.fsum((x - mean) ** 2 for x in values) / (count - 1)
    m4 = math.fsum((x - mean) ** 4 for x in values) / count
    se = math.sqrt(max(m4 - variance**2 * (count - 3) / (count - 1), 0.0) / count)
    half = t_quantile(0.975, count - 1) * se
    return Estimate(variance, variance - half, variance + half, count)


def all_cases() -> list[tuple[str, object]]:
    """Every case of the validation suite, as ``(name, function)``: the test modules'
    ``CASES`` (imported here, not at the top: they import this module)."""
    from tests.validation import test_direct_links, test_queueing, test_theory

    return [*test_queueing.CASES, *test_theory.CASES, *test_direct_links.CASES]


def run_case(name: str, seed: int, replications: int | None = None, workers: int = 1):
    """Run one case of :func:`all_cases` at ``seed`` (for the benchmarks' worker pools)."""
    RUN.seed, RUN.workers = seed, workers
    if replications is not None:
        RUN.replications = replications
    return dict(all_cases())[name]()


__all__ = [
    "ALPHA",
    "CHECK_BUDGET",
    "RUN",
    "Check",
    "all_cases",
    "assert_checks",
    "run_case",
    "variance_estimate",
]
