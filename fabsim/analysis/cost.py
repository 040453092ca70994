"""Cost per good unit and per kWh of one replication, BatPaC-style, bottom up.

Over the statistics window of ``T`` hours, in the line's currency:

* materials = each step's ``material`` x recipe units it started;
* capital = machines x capex x capital recovery factor x T / 8,760 h;
* labour = machines x operators x labour rate x staffed hours (all hours of a
  ``calendar: continuous`` step);
* energy = power x machine-hours busy or in setup x electricity price;
* building and dry room = area x cost per m2 and year x T / 8,760 h.

Cost per good kWh = their sum / good kWh made in the window. The value of a
unit of an item is what it has absorbed when made: the value of the inputs
it took, the step's material and the step's own processing cost (capital,
labour, energy) per recipe unit, shared among the units one recipe unit
makes. Scrap at a step is valued at the value of what the step made (its
yield scrap and the defective units it found); scrap in a buffer (dwell
expiry, disturbances) at the value of the buffered item.

Example:
    >>> from fabsim.spec.cost_models import capital_recovery_factor
    >>> 8.76e6 * capital_recovery_factor(0.0, 10) / 8760    # capital per hour
    100.0
"""

from __future__ import annotations

import math

from fabsim.sim.results import ReplicationResult
from fabsim.spec.cost_models import capital_recovery_factor
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

HOURS_PER_YEAR = 8760.0
"""Annual charges (capital, floor space) are spread over 8,760 h, as GWh/yr is."""

PARTS = ("materials", "capital", "labour", "energy", "building")
"""The breakdown of the cost per kWh, in the order reports show it."""


def capex_by_step(spec: LineSpec) -> dict[str, float]:
    """Capex of each step's machines (0 for a step without ``cost:``).

    Example:
        >>> capex_by_step(spec)["stacking"]     # doctest: +SKIP
        16800000.0
    """
    return {
        step_id: step.machines * step.cost.capex if step.cost else 0.0
        for step_id, step in spec.steps.items()
    }


def step_costs(spec: LineSpec, result: ReplicationResult) -> dict[str, dict[str, float]]:
    """Materials, capital, labour and energy of each step over the window.

    Example:
        >>> step_costs(spec, result)["stacking"]["capital"]   # doctest: +SKIP
        215342.4
    """
    costs = spec.costs
    window = result.horizon_h
    out = {}
    for step_id, step in spec.steps.items():
        raw = result.steps[step_id]
        if step.cost is None or costs is None:
            out[step_id] = dict.fromkeys(PARTS[:-1], 0.0)
            continue
        recovery = capital_recovery_factor(costs.wacc, step.cost.life_years)
        staffed = window if step.calendar == "continuous" else result.staffed_h
        working = raw.states["busy"] + raw.states["setup"]
        out[step_id] = {
            "materials": step.cost.material * raw.started,
            "capital": step.machines * step.cost.capex * recovery * window / HOURS_PER_YEAR,
            "labour": step.machines * step.cost.operators * costs.labour * staffed,
            "energy": step.cost.power * working * costs.electricity,
        }
    return out


def unit_values(
    spec: LineSpec, flow: Flow, result: ReplicationResult, per_step: dict[str, dict[str, float]]
) -> dict[str, float]:
    """What one unit of each made item has absorbed when it is made (see the module docstring).

    Items bought in (no step makes them) are worth nothing here: their price
    is the ``material`` of the step that uses them.
    """
    values: dict[str, float] = {}
    for step_id in flow.order:
        step = spec.steps[step_id]
        raw = result.steps[step_id]
        parts = per_step[step_id]
        processing = parts["capital"] + parts["labour"] + parts["energy"]
        per_recipe_unit = processing / raw.started if raw.started else 0.0
        material = step.cost.material if step.cost else 0.0
        inputs = sum(n * values.get(item, 0.0) for item, n in step.uses.items())
        value = (inputs + material + per_recipe_unit) / step.output_per_unit
        # several steps may make one item: keep the dearer, so scrap is not undervalued
        values[step.output] = max(values.get(step.output, 0.0), value)
    return values


def cost_kpis(spec: LineSpec, flow: Flow, result: ReplicationResult) -> dict[str, float]:
    """Cost KPIs of one replication; empty when the spec has no ``costs:``.

    Keys: ``cost_per_kwh``, ``cost_per_good_unit``, ``cost.<part>`` (per
    kWh, parts as in :data:`PARTS`), ``cost.per_year`` (all costs, a year's
    worth), ``scrap_value.<step>`` and ``scrap_value.buffer.<item>`` (value
    lost a year), ``scrap_value`` (their sum), ``unit_value.<item>``.
    """
    costs = spec.costs
    if costs is None:
        return {}
    window = result.horizon_h
    per_step = step_costs(spec, result)
    totals = {part: sum(parts[part] for parts in per_step.values()) for part in PARTS[:-1]}
    floor = [space for space in (costs.building, costs.dry_room) if space is not None]
    totals["building"] = sum(s.area * s.cost for s in floor) * window / HOURS_PER_YEAR
    total = sum(totals.values())
    good_kwh = result.finished * spec.product.energy
    kpis = {
        "cost_per_kwh": total / good_kwh if good_kwh else math.nan,
        "cost_per_good_unit": total / result.finished if result.finished else math.nan,
        "cost.per_year": total * HOURS_PER_YEAR / window,
    }
    for part in PARTS:
        kpis[f"cost.{part}"] = totals[part] / good_kwh if good_kwh else math.nan
    values = unit_values(spec, flow, result, per_step)
    per_year = HOURS_PER_YEAR / window
    lost = 0.0
    for step_id, step in spec.steps.items():
        raw = result.steps[step_id]
        value = (raw.scrapped + raw.detected) * values[step.output] * per_year
        kpis[f"scrap_value.{step_id}"] = value
        lost += value
    for item, buffer in result.buffers.items():
        value = (buffer.expired + buffer.scrapped) * values.get(item, 0.0) * per_year
        if value:
            kpis[f"scrap_value.buffer.{item}"] = value
            lost += value
    kpis["scrap_value"] = lost
    kpis.update({f"unit_value.{item}": v for item, v in values.items()})
    return kpis
