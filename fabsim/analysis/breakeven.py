"""``fabsim breakeven A B --vary PATH``: the value of one of B's parameters at which B matches A.

The gap is the paired difference ``KPI of B at v - KPI of A`` over
replications with common random numbers (every run uses the same seed).
It is evaluated on a grid of ``GRID`` values across the range, then the
bracket where its mean changes sign is halved ``iterations`` times; the
break-even value is the linear interpolation inside the last bracket. Its
95% CI is where the gap's own CI bounds cross zero, interpolated between
the values evaluated (a test inversion); an end the range cuts off is
reported at the range's bound and flagged.

If the gap's mean has one sign over the whole range, no value closes it:
the result says how much is left at the value that comes closest.

Example:
    >>> result = run_breakeven(semi, solid, "steps.stacking.cycle.mean", ("40 s", "120 s"),
    ...                        "gwh_per_year", RunOptions(5, 1))           # doctest: +SKIP
    >>> result.reachable, result.value                                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fabsim.analysis.line_results import LineResults
from fabsim.analysis.stats import Estimate, paired_difference
from fabsim.analysis.sweep import range_bounds
from fabsim.analysis.variants import variant
from fabsim.experiment.options import RunOptions
from fabsim.experiment.points import split_number
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.models import LineSpec

GRID = 5
"""Values evaluated across the range before bisection."""


@dataclass
class BreakevenResults:
    """Where B matches A (or how far it stays), with what was evaluated."""

    lines: list[str]
    vary: str
    kpi: str
    unit: str
    bounds: tuple[float, float]
    reachable: bool
    value: float | None
    value_ci: tuple[float | None, float | None]
    ci_cut: tuple[bool, bool]  # an end of the CI is the range's bound, not a crossing
    gap_at_best: Estimate | None
    best_value: float | None
    evaluated: list[tuple[float, Estimate]] = field(default_factory=list)
    replications: int = 0
    seed: int = 1

    def to_dict(self) -> dict:
        """The ``--json`` object."""
        gap = self.gap_at_best
        return {
            "lines": self.lines,
            "vary": self.vary,
            "kpi": self.kpi,
            "unit": self.unit,
            "range": list(self.bounds),
            "replications": self.replications,
            "seed": self.seed,
            "reachable": self.reachable,
            "value": None
            if self.value is None
            else {
                "mean": self.value,
                "ci95": list(self.value_ci),
                "ci_cut_by_range": list(self.ci_cut),
            },
            "gap_at_best": None if gap is None else {**gap.to_dict(), "at": self.best_value},
            "evaluated": [{"value": v, "gap": g.to_dict()} for v, g in self.evaluated],
        }


def run_breakeven(
    line_a: LineSpec,
    line_b: LineSpec,
    vary: str,
    between: tuple[object, object] | None,
    kpi: str,
    options: RunOptions,
    iterations: int = 8,
    progress: Callable[[object], None] | None = None,
) -> BreakevenResults:
    """Find where B's KPI matches A's as ``vary`` moves within its range (see module doc)."""
    low_text, high_text = between if between is not None else _range_of(line_b, vary)
    try:
        (low, unit), (high, high_unit) = split_number(low_text), split_number(high_text)
    except ValueError as error:
        raise SpecError(
            [Problem(f"--between {low_text} {high_text}", None, "", str(error))]
        ) from None
    if unit != high_unit or not low < high:
        raise SpecError(
            [
                Problem(
                    f"--vary {vary}",
                    None,
                    "",
                    f"needs a range low < high in one unit, got {low_text} .. {high_text}",
                )
            ]
        )
    whole = unit == "" and all(
        isinstance(b, int) or (isinstance(b, str) and b.strip().isdigit())
        for b in (low_text, high_text)
    )

    def text(value: float) -> str:
        number = str(int(round(value))) if whole else f"{value:.10g}"
        return f"{number} {unit}" if unit else number

    a_runs = None
    cache: dict[str, Estimate] = {}

    def evaluate(values: list[float]) -> None:
        nonlocal a_runs
        todo = [v for v in dict.fromkeys(text(v) for v in values) if v not in cache]
        specs = [variant(line_b, [f"{vary}={v}"]) for v in todo]
        first = [line_a] if a_runs is None else []
        runs = options.run([*first, *specs], progress)
        if a_runs is None:
            a_runs = LineResults(line_a, runs.pop(0), options.seed).values(kpi)
        for value, spec, line_runs in zip(todo, specs, runs, strict=True):
            b_runs = LineResults(spec, line_runs, options.seed).values(kpi)
            cache[value] = paired_difference(a_runs, b_runs)

    def norm(value: float) -> float:  # the value exactly as it is written into the spec
        return split_number(text(value))[0]

    def evaluated() -> dict[float, Estimate]:
        return {split_number(v)[0]: g for v, g in cache.items()}

    evaluate([norm(low + (high - low) * i / (GRID - 1)) for i in range(GRID)])
    bracket = _bracket(sorted(evaluated().items()))
    if bracket is not None:
        left, right = bracket
        for _ in range(iterations):
            middle = norm((left + right) / 2)
            if middle in (left, right):
                break
            evaluate([middle])
            gaps = evaluated()
            if _sign(gaps[middle].mean) == _sign(gaps[left].mean):
                left = middle
            else:
                right = middle
    points = sorted(evaluated().items())
    result = BreakevenResults(
        lines=[line_a.label, line_b.label],
        vary=vary,
        kpi=kpi,
        unit=unit,
        bounds=(low, high),
        reachable=bracket is not None,
        value=None,
        value_ci=(None, None),
        ci_cut=(False, False),
        gap_at_best=None,
        best_value=None,
        evaluated=points,
        replications=options.replications,
        seed=options.seed,
    )
    if bracket is None:
        best, gap = min(points, key=lambda p: abs(p[1].mean))
        result.best_value, result.gap_at_best = best, gap
        return result
    by_value = dict(points)
    result.value = _crossing(left, by_value[left].mean, right, by_value[right].mean)
    ends = [_crossings(points, bound) for bound in ("low", "high")]
    found = sorted(v for crossing in ends for v in crossing)
    if found:
        lo_ci, hi_ci = min(found + [result.value]), max(found + [result.value])
    else:
        lo_ci, hi_ci = result.value, result.value
    # where a CI bound never crosses zero inside the range, the interval reaches its end
    cut_low = _never_clear(points, result.value, side="left")
    cut_high = _never_clear(points, result.value, side="right")
    result.value_ci = (low if cut_low else lo_ci, high if cut_high else hi_ci)
    result.ci_cut = (cut_low, cut_high)
    return result


def _range_of(spec: LineSpec, vary: str) -> tuple[object, object]:
    bounds = range_bounds(spec, ramps=True).get(vary)
    if bounds is not None:
        return bounds
    raise SpecError(
        [
            Problem(
                f"--vary {vary}",
                None,
                "",
                f"{spec.label} has no ranges: entry for it; give --between LOW HIGH",
            )
        ]
    )


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _bracket(points: list[tuple[float, Estimate]]) -> tuple[float, float] | None:
    """The first pair of neighbouring values whose mean gaps differ in sign (or hit zero)."""
    for (v1, g1), (v2, g2) in zip(points, points[1:], strict=False):
        if g1.mean == 0:
            return v1, v1 if g2.mean else v2
        if _sign(g1.mean) != _sign(g2.mean):
            return v1, v2
    if points and points[-1][1].mean == 0:
        return points[-1][0], points[-1][0]
    return None


def _crossing(v1: float, g1: float, v2: float, g2: float) -> float:
    if v1 == v2 or g1 == g2:
        return v1
    return v1 + (v2 - v1) * (0 - g1) / (g2 - g1)


def _crossings(points: list[tuple[float, Estimate]], bound: str) -> list[float]:
    """Values where the gap's CI ``bound`` (low or high) crosses zero, interpolated."""
    found = []
    values = [(v, getattr(g, bound)) for v, g in points if getattr(g, bound) is not None]
    for (v1, g1), (v2, g2) in zip(values, values[1:], strict=False):
        if _sign(g1) != _sign(g2) or g1 == 0:
            found.append(_crossing(v1, g1, v2, g2))
    return found


def _never_clear(points, value: float, side: str) -> bool:
    """No value on that side of the break-even has a gap significantly away from zero."""
    chosen = [g for v, g in points if (v < value if side == "left" else v > value)]
    return not any(g.significant() for g in chosen)
