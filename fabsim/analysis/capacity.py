"""Nameplate capacity of each step, in good finished units per hour.

The hand calculation a process engineer does before simulating: what could
each step make if it never waited, after its breakdowns and setups, and
after the scrap at it and every step downstream? The smallest is the line's
capacity and that step its static bottleneck. Simulation then shows what
variability and finite buffers cost on top.

Example:
    >>> from fabsim.spec import load_spec_text
    >>> spec = load_spec_text('''
    ... line: two steps
    ... product: {item: cell, energy: 0.2 kWh}
    ... steps:
    ...   a: {makes: {part: 1}, cycle: 60 s, yield: 0.9}
    ...   b: {uses: {part: 1}, makes: {cell: 1}, cycle: 50 s, yield: 0.8}
    ... ''')
    >>> {k: round(v.good_per_h, 2) for k, v in step_capacities(spec).items()}
    {'a': 43.2, 'b': 57.6}
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec


@dataclass(frozen=True)
class StepCapacity:
    """What a step could do alone: gross output and good finished units per hour."""

    gross_per_h: float  # output units per hour, good or not, never waiting
    pass_rate: float  # expected share of units made here that pass the step
    good_per_h: float  # finished good units per hour this step could support


def step_capacities(spec: LineSpec) -> dict[str, StepCapacity]:
    """Capacity of every step, in flow order (upstream first).

    A step that shares its output item with other makers is rated as if the
    others kept pace with it (its share of the item, times its own rate).
    """
    flow = Flow(spec)
    passes = expected_pass_rates(spec, flow)
    survive = survival(spec, flow, passes)
    per_product = flow.units_per_product
    capacities = {}
    for step_id in flow.order:
        step = spec.steps[step_id]
        units = step.lot or 1  # a lot works its units one after another
        cycle = step.cycle.mean_hours * units
        if step.setup:
            cycle += step.setup.time.mean_hours / step.setup.every
        downtime_per_busy_hour = sum(f.mttr / f.mtbf for f in step.failures)
        per_cycle = step.batch_size * units * step.output_per_unit
        gross = (
            math.inf
            if cycle == 0
            else step.machines * per_cycle / (cycle * (1 + downtime_per_busy_hour))
        )
        share = per_product.get(step.output, 1.0) / len(flow.makers[step.output])
        good = gross * passes[step_id] * survive[step.output] / share
        capacities[step_id] = StepCapacity(gross, passes[step_id], good)
    return capacities


def survival(spec: LineSpec, flow: Flow, passes: dict[str, float]) -> dict[str, float]:
    """Expected share of good units of each item that end up in a good finished unit.

    Units of an item go to its users in proportion to what each consumes per
    finished unit (the bill of materials), then pass each later step or not.
    """
    per_product = flow.units_per_product
    survive = {spec.product.item: 1.0}
    for step_id in reversed(flow.order):
        step = spec.steps[step_id]
        item = step.output
        if item in survive:
            continue
        total = per_product.get(item, 0.0)
        weighted = 0.0
        for user in flow.users.get(item, []):
            use = spec.steps[user]
            through = (
                use.uses[item]
                * per_product.get(use.output, 0.0)
                / len(flow.makers[use.output])
                / use.output_per_unit
            )
            weighted += through * passes[user] * survive.get(use.output, 1.0)
        survive[item] = weighted / total if total else 0.0
    return survive


def line_capacity(spec: LineSpec) -> tuple[float, str]:
    """The smallest step capacity (good units/h) and the step that sets it."""
    capacities = step_capacities(spec)
    step_id = min(capacities, key=lambda s: capacities[s].good_per_h)
    return capacities[step_id].good_per_h, step_id


def expected_pass_rates(spec: LineSpec, flow: Flow | None = None) -> dict[str, float]:
    """Share of units made at each step that leave it good: yield x (1 - detected)."""
    flow = flow or Flow(spec)
    defect_share: dict[str, dict[str, float]] = {}  # item -> defect -> share of units
    rates = {}
    for step_id in flow.order:
        step = spec.steps[step_id]
        carried: dict[str, float] = {}
        for item, count in step.uses.items():
            for name, share in defect_share.get(item, {}).items():
                hit = 1 - (1 - share) ** count
                carried[name] = min(1.0, carried.get(name, 0.0) + hit)
        detected = sum(share * step.detects.get(name, 0.0) for name, share in carried.items())
        rates[step_id] = step.yield_ * (1 - detected)
        remaining = {n: s * (1 - step.detects.get(n, 0.0)) for n, s in carried.items()}
        total = sum(remaining.values())
        clean_share = 1 - total
        scale = 1 / (1 - detected) if detected < 1 else 0.0
        after = {n: s * scale for n, s in remaining.items()}
        for name, p in step.defects.items():
            after[name] = after.get(name, 0.0) + clean_share * scale * p
        defect_share[step.output] = after
    return rates
