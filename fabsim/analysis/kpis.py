"""The numbers a reviewer reads, computed from one replication's counts.

Definitions follow DESIGN.md ("The numbers reported"). Every function here
works on a single replication; :mod:`fabsim.analysis.line_results` turns
many of them into means with confidence intervals.

Example:
    >>> HOURS_PER_YEAR
    8760.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fabsim.analysis.cost import cost_kpis
from fabsim.sim.machine import STATES
from fabsim.sim.results import ReplicationResult
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

HOURS_PER_YEAR = 8760.0
"""Annual energy scales good output over calendar time (shifts and stops included)."""

LOSSES = ("off_shift", "down", "disturbed", "supply", "dwell_scrap", "disturbance_scrap")
"""Where output goes, in good units/h (see :func:`loss_kpis`)."""


@dataclass(frozen=True)
class Kpi:
    """One line KPI as every report shows it: the summary, compare, JSON, CSV, experiments.

    ``kind`` is ``number`` or ``percent`` (a share in [0, 1]); ``better`` is +1
    where more is better, -1 where less is, 0 where neither; ``across_cells``
    is False for counts of units, which lines of different cells cannot be
    judged on (their verdict rests on energy).
    """

    name: str
    label: str
    unit: str
    kind: str = "number"
    better: int = 0
    across_cells: bool = True

    def label_in(self, currency: str | None = None) -> str:
        """The label, with the currency filled in for money KPIs."""
        return self.label.replace("{currency}", currency or "")


KPIS = {
    k.name: k
    for k in (
        Kpi("good_rate_per_h", "Good units/h", "units/h", better=1, across_cells=False),
        Kpi("gwh_per_year", "GWh/yr", "GWh/yr", better=1),
        Kpi("overall_yield", "Overall yield", "", "percent", better=1),
        Kpi("rolled_throughput_yield", "Rolled throughput yield", "", "percent", better=1),
        Kpi("escaped_ppm", "Escaped defects (ppm)", "ppm", better=-1),
        Kpi("wip", "WIP (units)", "units"),
        Kpi("lead_time_h", "Lead time (h, Little's law)", "h", better=-1),
        Kpi("cost_per_kwh", "Cost per good kWh ({currency})", "{currency}/kWh", better=-1),
        Kpi(
            "cost_per_good_unit",
            "Cost per good unit ({currency})",
            "{currency}",
            better=-1,
            across_cells=False,  # a dearer unit may hold more energy: judge on cost per kWh
        ),
    )
}
"""The one registry of line KPIs (order: the order reports show them in)."""

COST_KPIS = ("cost_per_kwh", "cost_per_good_unit")
"""Line KPIs a spec with ``costs:`` adds."""

LINE_KPIS = tuple(name for name in KPIS if name not in COST_KPIS)
"""Line KPIs of every spec, in the registry's order (the JSON's first keys)."""


def kpi_label(name: str) -> str:
    """A KPI's name in titles and axes, from the registry (``gwh_per_year`` -> ``GWh/yr``).

    Example:
        >>> kpi_label("gwh_per_year"), kpi_label("cost_per_kwh"), kpi_label("loss.down")
        ('GWh/yr', 'Cost per good kWh', 'loss.down')
    """
    found = KPIS.get(name)
    return found.label_in().replace(" ()", "") if found else name


BETTER = {name: kpi.better for name, kpi in KPIS.items()}
"""+1 where more is better, -1 where less is, 0 neither (from :data:`KPIS`)."""


_SHARES = (
    "overall_yield",
    "rolled_throughput_yield",
    "material_yield.",
    "states.",
    "utilization",
    "yield",
    "availability",
    "performance",
    "oee",
    "batch_fill",
    "bottleneck_",
)


def kpi_bounds(name: str) -> tuple[float, float]:
    """The values a KPI can take: a share in [0, 1], anything else not below 0.

    Example:
        >>> kpi_bounds("overall_yield"), kpi_bounds("good_rate_per_h")
        ((0.0, 1.0), (0.0, inf))
    """
    if any(name == s or (s.endswith((".", "_")) and name.startswith(s)) for s in _SHARES):
        return 0.0, 1.0
    return 0.0, math.inf


def check_kpi(specs, kpi: str) -> None:
    """Refuse a cost KPI for a line without ``costs:`` (:class:`SpecError`, exit 2)."""
    from fabsim.spec.errors import Problem, SpecError

    missing = [s.label for s in specs if kpi in COST_KPIS and s.costs is None]
    if missing:
        raise SpecError(
            [Problem(f"--kpi {kpi}", None, "", f"{', '.join(missing)} has no costs: block")]
        )


def table_kpis(spec: LineSpec) -> tuple[str, ...]:
    """The line KPIs an experiment's table reports for ``spec`` (cost ones with costs)."""
    return LINE_KPIS + (COST_KPIS if spec.costs is not None else ())


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else math.nan


def line_kpis(spec: LineSpec, flow: Flow, result: ReplicationResult) -> dict[str, float]:
    """Line KPIs of one replication (NaN where a ratio has nothing to divide by).

    * overall yield = good finished units / units started by the unit chain;
    * rolled throughput yield = product of the realized yields of the chain steps;
    * lead time = WIP / start rate (Little's law, not a traced time).
    """
    hours = result.horizon_h
    good_rate = result.finished / hours
    rty = 1.0
    for step_id in flow.unit_chain:
        step = result.steps[step_id]
        rty *= _ratio(step.good, step.made)
    start_rate = result.chain_started / hours
    kpis = {
        "good_rate_per_h": good_rate,
        "gwh_per_year": good_rate * spec.product.energy * HOURS_PER_YEAR / 1e6,
        "overall_yield": _ratio(result.finished, result.chain_started),
        "rolled_throughput_yield": rty if flow.unit_chain else math.nan,
        "wip": result.chain_wip,
        "lead_time_h": _ratio(result.chain_wip, start_rate),
        "escaped_ppm": _ratio(sum(result.escaped.values()) * 1e6, result.finished),
    }
    for item, per_unit in flow.units_per_product.items():
        if item == spec.product.item or item not in flow.makers:
            continue  # supplied items are bought in, not made
        made = sum(result.steps[s].made for s in flow.makers[item])
        kpis[f"material_yield.{item}"] = _ratio(
            result.finished * per_unit, made - stock_gained(spec, flow, result, item)
        )
    for name, count in result.escaped.items():
        kpis[f"escaped_ppm.{name}"] = _ratio(count * 1e6, result.finished)
    kpis["good_rate_per_staffed_h"] = _ratio(result.finished, result.staffed_h)
    kpis.update(loss_kpis(spec, flow, result))
    kpis.update(cost_kpis(spec, flow, result))
    return kpis


def stock_gained(spec: LineSpec, flow: Flow, result: ReplicationResult, item: str) -> float:
    """Units of ``item`` that piled up over the window, as themselves or inside later items.

    Stock is not loss: only what was made and neither used in a good unit
    nor kept in a buffer (of this item or of an item made from it) is lost.
    """
    per_product = flow.units_per_product
    downstream = {
        spec.steps[s].output for m in flow.makers.get(item, []) for s in flow.downstream(m)
    }
    gained = []
    for other in {item} | downstream:
        buffer = result.buffers.get(other)
        if buffer is None or not per_product.get(other):
            continue
        inside = per_product[item] / per_product[other]  # units of item in one of other
        gained.append((buffer.final_level - buffer.start_level) * inside)
    # fsum: the set's order follows string hashing, which differs between
    # processes; a plain sum then differed in its last digit between runs.
    return math.fsum(gained)


def bottleneck_step(result: ReplicationResult) -> str:
    """The step that was the momentary bottleneck most of this replication."""
    return max(result.steps, key=lambda s: result.steps[s].bottleneck_share)


def loss_kpis(spec: LineSpec, flow: Flow, result: ReplicationResult) -> dict[str, float]:
    """Good units/h each phenomenon costs the line, estimated at its bottleneck.

    Time lost: the bottleneck step's hours off shift, down or disturbed,
    times the good units it yields per busy hour (what those hours would have
    made). Supply: the longest stock-out at the line's supplied rate (or the
    bottleneck's own supply waits, if more). Scrap: units expired in buffers or
    scrapped there by disturbances, in finished-unit equivalents (units of
    the item per finished unit). Keys ``loss.<kind>``.
    """
    hours = result.horizon_h
    step = result.steps[bottleneck_step(result)]
    per_busy_hour = _ratio(result.finished, step.states["busy"])
    kpis = {}
    for state in ("off_shift", "down", "disturbed"):
        kpis[f"loss.{state}"] = step.states[state] * per_busy_hour / hours
    # A supply starves the line through buffers and steps upstream of the
    # bottleneck, so its loss is not seen at the bottleneck's own waits: take
    # the longest stock-out (stores run dry together in a disruption) at the
    # rate the line makes while supplied. Buffers downstream of the store
    # bridge short stock-outs, so this is an upper bound for those.
    out = max((s.stockout_share for s in result.supplies.values()), default=0.0)
    running = result.finished / (hours * (1 - out)) if out < 1 else 0.0
    kpis["loss.supply"] = max(out * running, sum(step.starved_by.values()) * per_busy_hour / hours)
    dwell = disturbed = 0.0
    per_product = flow.units_per_product
    for item, buffer in result.buffers.items():
        share = per_product.get(item)
        if share:
            dwell += buffer.expired / share
            disturbed += buffer.scrapped / share
    kpis["loss.dwell_scrap"] = dwell / hours
    kpis["loss.disturbance_scrap"] = disturbed / hours
    return kpis


def step_kpis(
    spec: LineSpec,
    step_id: str,
    result: ReplicationResult,
    per_product: dict[str, float] | None = None,
) -> dict[str, float]:
    """Per-step numbers of one replication: utilization, states, yield, OEE, bottleneck.

    OEE = availability x performance x quality, with availability = 1 - (down +
    setup + disturbed) / planned time (planned = not off shift), performance =
    busy time x mean batch fill / time left after those stops, quality = good / made.
    """
    step = result.steps[step_id]
    spec_step = spec.steps[step_id]
    machine_hours = step.machines * result.horizon_h
    share = {name: step.states[name] / machine_hours for name in STATES}
    planned = machine_hours - step.states["off_shift"]
    # A disturbance is an unplanned stop: it costs availability like a breakdown.
    running = planned - step.states["down"] - step.states["setup"] - step.states["disturbed"]
    availability = _ratio(running, planned)
    # A half-empty batch vessel wastes capacity; a short transfer lot does not
    # (its time shrinks with it), so only batches count in performance.
    fill = (
        (step.mean_fill / spec_step.batch.size if spec_step.batch else 1.0) if step.cycles else 0.0
    )
    performance = _ratio(step.states["busy"] * fill, running)
    quality = _ratio(step.good, step.made)
    per_product = per_product if per_product is not None else Flow(spec).units_per_product
    in_a_unit = per_product.get(spec_step.output, 1.0) or 1.0  # units of the item per product
    kpis = {
        "utilization": share["busy"],
        "made": float(step.made),
        "scrapped": float(step.scrapped + step.detected),
        "scrap_cell_equivalents": (step.scrapped + step.detected) / in_a_unit,
        "detected": float(step.detected),
        "yield": quality,
        "availability": availability,
        "performance": performance,
        "oee": availability * performance * quality,
        "bottleneck_share": step.bottleneck_share,
        "bottleneck_sole": step.bottleneck_sole,
        "bottleneck_shared": step.bottleneck_shared,
        "mean_active_period_h": step.mean_active_period_h,
        "wip": step.wip,
        "batch_fill": fill,
    }
    kpis.update({f"states.{name}": value for name, value in share.items()})
    return kpis
