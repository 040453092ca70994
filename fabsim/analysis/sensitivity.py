"""``fabsim sensitivity``: which estimates decide the verdict, one at a time, low and high.

Each ``ranges:`` entry (of the steps, and the line-level one for the
calendar, disturbances, supplies, buffers and costs) is set to its low and
then its high bound, all else at base; every run uses the same seed, so the
runs share their random numbers (common random numbers) and each effect is
a paired difference.
The swing of a parameter is |KPI at high - KPI at low|, with the 95% CI of
that paired difference.

With two lines the KPI is the paired difference between them (second
minus first), and a parameter *flips* the verdict when at its low or high
value that difference is significant and of the other sign than at base.
Ramp ranges (``ramp.*``) are left out: only ``fabsim rampup`` applies ramps.

Example:
    >>> options = RunOptions(replications=5, seed=1)                     # doctest: +SKIP
    >>> lines = [load_spec("three_step")]                                # doctest: +SKIP
    >>> result = run_sensitivity(lines, "gwh_per_year", options)         # doctest: +SKIP
    >>> result.effects[0].path                                                     # doctest: +SKIP
    'steps.coating.cycle.mean'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fabsim.analysis.line_results import LineResults
from fabsim.analysis.stats import Estimate, estimate, paired_difference
from fabsim.analysis.sweep import range_bounds
from fabsim.analysis.variants import variant
from fabsim.experiment.options import RunOptions
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.models import LineSpec


@dataclass(frozen=True)
class Parameter:
    """One estimate to vary: the line it belongs to (0 or 1), its path and its bounds."""

    line: int
    path: str  # --set path inside its line: steps.stacking.cycle.mean
    low: object  # bound as written: "40 s", 0.95, 10
    high: object


@dataclass(frozen=True)
class Effect:
    """What moving one parameter from its low to its high bound does to the KPI."""

    parameter: Parameter
    label: str  # the path in --set syntax, LINE:path with two lines
    low: Estimate
    high: Estimate
    swing: float
    swing_ci: Estimate  # paired difference high - low
    flips: bool


@dataclass
class SensitivityResults:
    """Base KPI and the effects, largest swing first."""

    lines: list[str]
    kpi: str
    base: Estimate
    effects: list[Effect]
    replications: int
    seed: int

    def to_dict(self) -> dict:
        """The ``--json`` object (see issue 8 for its shape)."""
        return {
            "lines": self.lines,
            "kpi": self.kpi,
            "replications": self.replications,
            "seed": self.seed,
            "base": self.base.to_dict(),
            "parameters": [
                {
                    "path": e.label,
                    "low_value": _text(e.parameter.low),
                    "high_value": _text(e.parameter.high),
                    "low": e.low.to_dict(),
                    "high": e.high.to_dict(),
                    "swing": e.swing,
                    "swing_ci95": [e.swing_ci.low, e.swing_ci.high],
                    "flips": e.flips,
                }
                for e in self.effects
            ],
        }


def _text(value: object) -> str:
    return value if isinstance(value, str) else f"{value}"


def parameters(specs: Sequence[LineSpec], only: Sequence[str] = ()) -> list[Parameter]:
    """Every ``ranges:`` entry of the lines (ramps left out), or those ``only`` names.

    ``only`` paths are as reported: ``steps.stacking.cycle.mean``, or
    ``LINE:steps...`` with two lines. Raises :class:`SpecError` for a path
    that names no range.
    """
    found = [
        Parameter(line, path, low, high)
        for line, spec in enumerate(specs)
        for path, (low, high) in range_bounds(spec).items()
    ]
    if not only:
        return found
    labels = {_label(specs, p): p for p in found}
    missing = [path for path in only if path not in labels]
    if missing:
        from fabsim.spec.suggest import did_you_mean

        raise SpecError(
            [
                Problem(f"--only {path}", None, "", f"names no range{did_you_mean(path, labels)}")
                for path in missing
            ]
        )
    return [labels[path] for path in only]


def _label(specs: Sequence[LineSpec], parameter: Parameter) -> str:
    if len(specs) == 1:
        return parameter.path
    return f"{specs[parameter.line].label}:{parameter.path}"


def run_sensitivity(
    specs: Sequence[LineSpec],
    kpi: str,
    options: RunOptions,
    only: Sequence[str] = (),
    progress: Callable[[object], None] | None = None,
) -> SensitivityResults:
    """Base and low/high runs of every parameter, as one pool of tasks; effects by swing."""
    if len(specs) not in (1, 2):
        raise ValueError("sensitivity takes one line or two")
    chosen = parameters(specs, only)
    variants, problems = [], []
    for parameter in chosen:
        base = specs[parameter.line]
        for bound in (parameter.low, parameter.high):
            try:
                variants.append(variant(base, [f"{parameter.path}={_text(bound)}"]))
            except SpecError as error:
                problems += error.problems
    if problems:
        raise SpecError(problems)
    # A cost or cell-design parameter changes what a run is worth, not what
    # it makes: its variants reuse their line's base runs (same seed, same
    # numbers) and only the KPIs are computed again.
    simulated = [i for i, p in enumerate(chosen) if simulation_depends_on(p.path)]
    to_run = [*specs, *(variants[2 * i + k] for i in simulated for k in (0, 1))]
    runs = options.run(to_run, progress)
    seed = options.seed
    base_runs = runs[: len(specs)]
    variant_runs = [base_runs[p.line] for p in chosen for _ in (0, 1)]
    for n, i in enumerate(simulated):
        at = len(specs) + 2 * n
        variant_runs[2 * i], variant_runs[2 * i + 1] = runs[at], runs[at + 1]
    base_values = [
        LineResults(s, r, seed).values(kpi) for s, r in zip(specs, base_runs, strict=True)
    ]
    values = [
        LineResults(s, r, seed).values(kpi) for s, r in zip(variants, variant_runs, strict=True)
    ]

    def measured(line: int, own: list[float]) -> list[float]:
        """The KPI, or with two lines the difference second minus first, per replication."""
        if len(specs) == 1:
            return own
        first, second = (own, base_values[1]) if line == 0 else (base_values[0], own)
        return [b - a for a, b in zip(first, second, strict=True)]

    base = measured(1 if len(specs) == 2 else 0, base_values[-1])
    base_estimate = estimate(base)
    effects = []
    for i, parameter in enumerate(chosen):
        low = measured(parameter.line, values[2 * i])
        high = measured(parameter.line, values[2 * i + 1])
        low_e, high_e = estimate(low), estimate(high)
        flips = len(specs) == 2 and any(_flips(base_estimate, e) for e in (low_e, high_e))
        swing = _magnitude(paired_difference(low, high))
        effects.append(
            Effect(
                parameter,
                _label(specs, parameter),
                low_e,
                high_e,
                abs(high_e.mean - low_e.mean),
                swing,
                flips,
            )
        )
    effects.sort(key=lambda e: -e.swing)
    return SensitivityResults(
        [s.label for s in specs], kpi, base_estimate, effects, options.replications, seed
    )


_NO_SIMULATION = re.compile(r"(costs|cell)\..*|steps\.[^.]+\.cost\..*")


def simulation_depends_on(path: str) -> bool:
    """Whether changing ``path`` changes what the line makes (cost and cell fields do not).

    Example:
        >>> simulation_depends_on("steps.stacking.cost.capex"), simulation_depends_on("costs.wacc")
        (False, False)
        >>> simulation_depends_on("steps.stacking.cycle.mean")
        True
    """
    return not _NO_SIMULATION.fullmatch(path)


def _magnitude(difference: Estimate) -> Estimate:
    """The paired difference high - low, turned so its mean is the (non-negative) swing."""
    if difference.mean is None or difference.mean >= 0 or difference.low is None:
        return difference
    return Estimate(-difference.mean, -difference.high, -difference.low, difference.n)


def _flips(base: Estimate, moved: Estimate) -> bool:
    """A significant difference of the other sign than the base's (who is ahead changes)."""
    if base.mean is None or moved.mean is None or not moved.significant():
        return False
    return (moved.mean > 0) != (base.mean > 0)
