"""``fabsim plan SPEC --target "2.8 GWh/yr"``: the fewest added machines that reach a target.

1. The hand calculation first: each step gets the machines its nameplate
   capacity (:mod:`fabsim.analysis.capacity`, after breakdowns, setups and
   the yields downstream) needs for the target rate, and never fewer than
   it has.
2. Verify by replications: while the lower end of the 95% CI of GWh/yr is
   below the target, add machines to the simulated bottleneck (as many as
   the shortfall asks, at least one) and run again.
3. Then try to take back each machine the replications added, dearest
   first when steps have capex (else in flow order), keeping a removal only
   if the plan still reaches the target. The hand-calculated counts are not
   tried again: one machine less puts a step's nameplate below the target.

Every candidate is simulated with the same seed (common random numbers).
If a step would need more than ``max_machines``, one line cannot reach the
target: the result says how many parallel copies of the planned line would.

Example:
    >>> result = run_plan(load_spec("semi_solid"), 2.8, RunOptions(5, 1))   # doctest: +SKIP
    >>> result.changes                                              # doctest: +SKIP
    {'steps.stacking.machines': 13, ...}
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from fabsim.analysis.capacity import step_capacities
from fabsim.analysis.kpis import HOURS_PER_YEAR, table_kpis
from fabsim.analysis.line_results import LineResults
from fabsim.analysis.variants import variant
from fabsim.experiment.options import RunOptions
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.models import LineSpec


@dataclass
class PlanResults:
    """The planned machine counts, what they make, and how many candidates were simulated."""

    line: str
    target_gwh: float
    feasible: bool
    changes: dict[str, int]
    kpis: dict[str, dict]
    evaluated: int
    copies: int | None = None  # parallel copies needed when one line cannot reach the target
    added_capex: float | None = None
    history: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``--json`` object."""
        data = {
            "line": self.line,
            "target": {"gwh_per_year": self.target_gwh},
            "feasible": self.feasible,
            "changes": self.changes,
            "kpis": self.kpis,
            "evaluated": self.evaluated,
        }
        if self.copies is not None:
            data["copies"] = self.copies
        if self.added_capex is not None:
            data["added_capex"] = self.added_capex
        return data


def parse_target(text: str) -> float:
    """``"2.8 GWh/yr"`` -> 2.8 (GWh a year of 8,760 h, as fabsim reports it).

    Example:
        >>> parse_target("2800 MWh/year")
        2.8
    """
    from fabsim.spec.units import parse_quantity

    energy, sep, per = text.rpartition("/")
    if not sep or per.strip() not in ("yr", "year", "a"):
        raise ValueError(f"expected energy a year such as '2.8 GWh/yr', got {text!r}")
    return parse_quantity(energy.strip(), "energy") / 1e6


def run_plan(
    spec: LineSpec,
    target_gwh: float,
    options: RunOptions,
    max_machines: int = 200,
    progress: Callable[[object], None] | None = None,
) -> PlanResults:
    """Plan machine counts for ``target_gwh`` (see the module docstring)."""
    rate = target_gwh * 1e6 / HOURS_PER_YEAR / spec.product.energy  # good units/h
    capacities = step_capacities(spec)
    needed = {}
    for step_id, step in spec.steps.items():
        per_machine = capacities[step_id].good_per_h / step.machines
        needed[step_id] = max(step.machines, math.ceil(rate / per_machine - 1e-9))
    over = {s: n for s, n in needed.items() if n > max_machines}
    if over:
        reach = min(
            capacities[s].good_per_h / spec.steps[s].machines * min(needed[s], max_machines)
            for s in spec.steps
        )
        copies = math.ceil(rate / reach - 1e-9)
        return PlanResults(spec.label, target_gwh, False, {}, {}, 0, copies=copies)
    evaluated = 0
    cache: dict[tuple, LineResults] = {}

    def simulate(plan: dict[str, int]) -> LineResults:
        nonlocal evaluated
        key = tuple(sorted(plan.items()))
        if key not in cache:
            candidate = variant(spec, _overrides(spec, plan))
            (runs,) = options.run([candidate], progress)
            cache[key] = LineResults(candidate, runs, options.seed)
            evaluated += 1
        return cache[key]

    def reaches(results: LineResults) -> bool:
        low = results.kpi("gwh_per_year").low
        return low is not None and low >= target_gwh

    plan = dict(needed)
    results = simulate(plan)
    while not reaches(results):
        step_id, _ = results.bottleneck
        if plan[step_id] >= max_machines:
            copies = math.ceil(target_gwh / results.kpi("gwh_per_year").mean - 1e-9)
            return PlanResults(
                spec.label, target_gwh, False, {}, _kpis(results), evaluated, copies=copies
            )
        # as many machines as the shortfall asks at the bottleneck (at least one);
        # what overshoots is taken back below
        low = results.kpi("gwh_per_year").low or 0.0
        short = target_gwh / low - 1 if low > 0 else 1.0
        more = max(1, math.ceil(plan[step_id] * short))
        plan[step_id] = min(max_machines, plan[step_id] + more)
        results = simulate(plan)
    # Only what the replications added can go again: a step at its hand-calculated
    # count would fall below the target rate at its nameplate with one machine less.
    for step_id in _removal_order(spec, plan, needed):
        while plan[step_id] > needed[step_id]:
            trial = {**plan, step_id: plan[step_id] - 1}
            trial_results = simulate(trial)
            if not reaches(trial_results):
                break
            plan, results = trial, trial_results
    changes: dict[str, object] = {}
    for text in _overrides(spec, plan):  # a widened range too: `fabsim run --set` needs it
        path, _, value = text.partition("=")
        changes[path] = int(value) if value.isdigit() else json.loads(value)
    added = None
    if spec.costs is not None:
        added = sum(
            (plan[s] - spec.steps[s].machines)
            * (spec.steps[s].cost.capex if spec.steps[s].cost else 0)
            for s in plan
        )
    return PlanResults(
        spec.label, target_gwh, True, changes, _kpis(results), evaluated, added_capex=added
    )


def _overrides(spec: LineSpec, plan: dict[str, int]) -> list[str]:
    sets = []
    for step_id, count in plan.items():
        step = spec.steps[step_id]
        if count == step.machines:
            continue
        sets.append(f"steps.{step_id}.machines={count}")
        bounds = step.ranges.get("machines")
        if bounds is not None and not float(bounds[0]) <= count <= float(bounds[1]):
            # the plan moves past the estimate's span: widen it to keep the spec valid
            low, high = min(int(bounds[0]), count), max(int(bounds[1]), count)
            sets.append(f"steps.{step_id}.ranges.machines=[{low}, {high}]")
    return sets


def _removal_order(spec: LineSpec, plan: dict[str, int], start: dict[str, int]) -> list[str]:
    """Steps with added machines: dearest machine first, else in the spec's order."""
    added = [s for s in plan if plan[s] > start[s]]

    def capex(step_id: str) -> float:
        cost = spec.steps[step_id].cost
        return cost.capex if cost is not None else 0.0

    return sorted(added, key=lambda s: -capex(s))


def _kpis(results: LineResults) -> dict[str, dict]:
    return {k: results.kpi(k).to_dict() for k in table_kpis(results.spec)}


def check_target(text: str) -> float:
    """:func:`parse_target` with a planner's message (:class:`SpecError`) on bad text."""
    try:
        target = parse_target(text)
    except ValueError as error:
        raise SpecError([Problem(f"--target {text}", None, "", str(error))]) from None
    if not target > 0:
        raise SpecError([Problem(f"--target {text}", None, "", "must be above zero")])
    return target
