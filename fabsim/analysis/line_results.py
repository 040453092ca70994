"""Results of N replications of one line: estimates, JSON and tables.

``fabsim.simulate`` returns a :class:`LineResults`; the CLI renders the same
object, so anything the terminal shows is available from Python.

Example:
    >>> import fabsim                                                # doctest: +SKIP
    >>> results = fabsim.simulate(fabsim.load_spec("three_step"), replications=5)  # doctest: +SKIP
    >>> results.kpi("good_rate_per_h").mean                            # doctest: +SKIP
    95.3
"""

from __future__ import annotations

import math
from functools import cached_property

from fabsim.analysis.capacity import step_capacities
from fabsim.analysis.cost import PARTS as COST_PARTS
from fabsim.analysis.cost import capex_by_step
from fabsim.analysis.kpis import KPIS, LINE_KPIS, kpi_bounds, line_kpis, step_kpis
from fabsim.analysis.stats import Estimate, estimate
from fabsim.sim.machine import STATES
from fabsim.sim.results import ReplicationResult
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

_COST_DETAIL = ("cost.", "scrap_value", "unit_value.")  # in the "cost" object, not "kpis"

STEP_JSON = (
    "utilization",
    "made",
    "scrapped",
    "scrap_cell_equivalents",
    "yield",
    "oee",
    "bottleneck_share",
    "bottleneck_sole",
    "bottleneck_shared",
    "detected",
    "availability",
    "performance",
    "mean_active_period_h",
    "wip",
)


class LineResults:
    """N replications of one line, with the statistics the reports show."""

    def __init__(self, spec: LineSpec, runs: list[ReplicationResult], seed: int):
        self.spec = spec
        self.runs = sorted(runs, key=lambda r: r.replication)
        self.seed = seed
        self.flow = Flow(spec)

    @property
    def name(self) -> str:
        return self.spec.line

    @property
    def replications(self) -> int:
        return len(self.runs)

    @property
    def warmup_h(self) -> float:
        return self.runs[0].warmup_h

    @property
    def horizon_h(self) -> float:
        return self.runs[0].horizon_h

    @cached_property
    def line_values(self) -> list[dict[str, float]]:
        """Line KPIs of each replication, in replication order."""
        return [line_kpis(self.spec, self.flow, run) for run in self.runs]

    @cached_property
    def step_values(self) -> dict[str, list[dict[str, float]]]:
        """Step KPIs of each replication, per step in flow order."""
        per_product = self.flow.units_per_product
        return {
            s: [step_kpis(self.spec, s, run, per_product) for run in self.runs]
            for s in self.flow.order
        }

    def values(self, kpi: str) -> list[float]:
        """One line KPI across replications (for paired comparisons)."""
        return [v.get(kpi, float("nan")) for v in self.line_values]

    def kpi(self, name: str) -> Estimate:
        """Mean and 95% CI of a line KPI over replications (clipped to what it can be)."""
        return estimate(self.values(name)).within(*kpi_bounds(name))

    def step(self, step_id: str, name: str) -> Estimate:
        """Mean and 95% CI of a step KPI over replications (clipped to what it can be)."""
        return estimate(v[name] for v in self.step_values[step_id]).within(*kpi_bounds(name))

    @cached_property
    def capex(self) -> dict[str, float]:
        """Capex of each step's machines (0 without ``cost:``)."""
        return capex_by_step(self.spec)

    @cached_property
    def capacities(self):
        return step_capacities(self.spec)

    @cached_property
    def bottleneck(self) -> tuple[str, float]:
        """The step most often the momentary bottleneck, and its mean share."""
        shares = {s: self.step(s, "bottleneck_share").mean or 0.0 for s in self.flow.order}
        step_id = max(shares, key=shares.get)
        return step_id, shares[step_id]

    @cached_property
    def bottleneck_steps(self) -> list[dict]:
        """Steps that were the bottleneck at least 5% of the window, alone or shared.

        Each as ``{"step", "sole", "shared"}`` (mean shares of the window),
        largest first. Shared time counts for every step sharing it.
        """
        rows = []
        for step_id in self.flow.order:
            sole = self.step(step_id, "bottleneck_sole").mean or 0.0
            shared = self.step(step_id, "bottleneck_shared").mean or 0.0
            if sole + shared >= 0.05:
                rows.append({"step": step_id, "sole": sole, "shared": shared})
        rows.sort(key=lambda r: -(r["sole"] + r["shared"]))
        return rows or [{"step": self.bottleneck[0], "sole": self.bottleneck[1], "shared": 0.0}]

    @cached_property
    def bottleneck_shared(self) -> float:
        """Mean share of the window in which the bottleneck was shared by several steps."""
        return sum(r.bottleneck_shared for r in self.runs) / len(self.runs)

    @property
    def bottleneck_text(self) -> str:
        """``stacking (92% of the time)``, or the steps that share it and for how long."""
        rows = self.bottleneck_steps
        top = rows[0]
        if top["shared"] <= top["sole"]:
            return f"{top['step']} ({top['sole'] + top['shared']:.0%} of the time)"
        together = [r["step"] for r in rows if r["shared"] > 0.005]
        shared = self.bottleneck_shared
        return f"{' and '.join(together)} together ({shared:.0%} of the time, shared)"

    @property
    def bottleneck_note(self) -> str | None:
        """A warning when the bottleneck verdict cannot be trusted, else None.

        The active-period method assumes finite buffers: a step that feeds an
        unlimited buffer is never blocked, so it looks always active even
        when a slower step after it sets the pace.
        """
        step_id, _ = self.bottleneck
        item = self.spec.steps[step_id].output
        if item == self.spec.product.item or self.spec.buffer_capacity(item) < float("inf"):
            return None
        return (
            f"{step_id} feeds an unlimited buffer ({item}), so it is never blocked and "
            f"looks always active; give '{item}' a capacity under buffers for a "
            "bottleneck you can trust."
        )

    @cached_property
    def warnings(self) -> list[str]:
        """Why these numbers may not be quotable as they stand (empty when all is well)."""
        from fabsim.analysis.trust import run_warnings

        return run_warnings(self)

    @property
    def overrides(self) -> list[str]:
        """The ``--set`` overrides this line ran with."""
        return list(self.spec.overrides)

    @property
    def command(self) -> str:
        """The ``fabsim run`` command that gives these numbers again, on any machine."""
        return command_line("run", [self])

    def to_dict(self) -> dict:
        """The ``--json`` object: every statistic is ``{"mean": x, "ci95": [lo, hi]}``."""
        found = {k for v in self.line_values for k in v}
        kpi_names = list(LINE_KPIS) + sorted(
            k for k in found - set(LINE_KPIS) if not k.startswith(_COST_DETAIL)
        )
        steps = {}
        for step_id in self.flow.order:
            entry = {
                "process": self.spec.process_of(step_id),
                "item": self.spec.steps[step_id].output,  # what made and scrapped count
                "machines": self.spec.steps[step_id].machines,
                "capacity_per_h": self.capacities[step_id].good_per_h,
            }
            entry.update({name: self.step(step_id, name).to_dict() for name in STEP_JSON})
            entry["states"] = {
                state: self.step(step_id, f"states.{state}").to_dict() for state in STATES
            }
            entry["starved_by"] = {
                name: self.starved_by(step_id, name).to_dict() for name in self.spec.supplies
            }
            if self.spec.costs is not None:
                entry["capex"] = self.capex[step_id]
                entry["scrap_value"] = self.kpi(f"scrap_value.{step_id}").to_dict()
            steps[step_id] = entry
        buffers = {}
        for item in self.runs[0].buffers:
            capacity = self.runs[0].buffers[item].capacity
            buffers[item] = {
                "capacity": None if capacity == float("inf") else int(capacity),
                **{
                    field: self.buffer_estimate(item, field).to_dict()
                    for field in ("mean_level", "max_level", "expired", "scrapped")
                },
            }
        bottleneck, share = self.bottleneck
        return {
            "line": self.spec.line,
            "source": self.spec.source,
            "command": self.command,
            "overrides": self.overrides,
            "warnings": self.warnings,
            "seed": self.seed,
            "replications": self.replications,
            "warmup_h": self.warmup_h,
            "horizon_h": self.horizon_h,
            "kpis": {name: self.kpi(name).to_dict() for name in kpi_names},
            "bottleneck": {
                "step": bottleneck,
                "share": share,
                "steps": self.bottleneck_steps,
                "shared": self.bottleneck_shared,
                "note": self.bottleneck_note,
            },
            "steps": steps,
            "buffers": buffers,
            "disturbances": _as_dicts(self.disturbance_estimates()),
            "supplies": {
                name: {"item": self.spec.supplies[name].item, **_as_dicts(values)}
                for name, values in self.supply_estimates().items()
            },
            "cost": self.cost_dict(),
        }

    def cost_dict(self) -> dict | None:
        """The ``cost`` object of ``--json`` (None without ``costs:`` in the spec).

        Per kWh by part, a year's cost, capex by process and in total, and
        the value lost to scrap a year, at steps and in buffers.
        """
        costs = self.spec.costs
        if costs is None:
            return None
        capex = self.capex
        by_process: dict[str, float] = {}
        for step_id, value in capex.items():
            process = self.spec.process_of(step_id)
            by_process[process] = by_process.get(process, 0.0) + value
        found = sorted({k for v in self.line_values for k in v})
        return {
            "currency": costs.currency,
            "capex_total": sum(capex.values()),
            "capex_by_process": by_process,
            "per_kwh": {part: self.kpi(f"cost.{part}").to_dict() for part in COST_PARTS},
            "per_year": self.kpi("cost.per_year").to_dict(),
            "scrap_value_per_year": self.kpi("scrap_value").to_dict(),
            "buffer_scrap_value_per_year": {
                k.removeprefix("scrap_value.buffer."): self.kpi(k).to_dict()
                for k in found
                if k.startswith("scrap_value.buffer.")
            },
            "unit_value": {
                k.removeprefix("unit_value."): self.kpi(k).to_dict()
                for k in found
                if k.startswith("unit_value.")
            },
        }

    def scrap_per_h(self) -> dict[str, float]:
        """Each step's mean scrap per hour in finished-unit equivalents (40 sheets lost are
        one cell's worth when a cell holds 40 sheets), in flow order."""
        return {
            s: (self.step(s, "scrap_cell_equivalents").mean or 0.0) / self.horizon_h
            for s in self.flow.order
        }

    def starved_by(self, step_id: str, supply: str) -> Estimate:
        """Share of a step's machine time spent waiting for ``supply`` (mean, 95% CI)."""
        machine_hours = self.spec.steps[step_id].machines * self.horizon_h
        return estimate(
            r.steps[step_id].starved_by.get(supply, 0.0) / machine_hours for r in self.runs
        )

    def buffer_estimate(self, item: str, field: str) -> Estimate:
        """A buffer statistic (``mean_level``, ``max_level``, ``expired``, ``scrapped``)."""
        return estimate(getattr(r.buffers[item], field) for r in self.runs).within(0.0, math.inf)

    def disturbance_estimates(self) -> dict:
        """Per disturbance: events, hours and units scrapped in the window."""
        out = {}
        for name, disturbance in self.spec.disturbances.items():
            rows = [r.disturbances[name] for r in self.runs]
            out[name] = {
                "events": estimate(d.events for d in rows),
                "hours": estimate(d.hours for d in rows),
                "scrapped": estimate(sum(d.scrapped.values()) for d in rows),
                "scrapped_items": {
                    item: estimate(d.scrapped.get(item, 0) for d in rows)
                    for item in disturbance.scraps
                },
            }
        return out

    def supply_estimates(self) -> dict:
        """Per supply: delivered, mean stock, stock-out share and disruptions."""
        fields = (
            "delivered",
            "turned_away",
            "mean_stock",
            "stockout_share",
            "disruptions",
            "disrupted_hours",
        )
        out = {}
        for name in self.spec.supplies:
            rows = [r.supplies[name] for r in self.runs]
            out[name] = {f: estimate(getattr(s, f) for s in rows) for f in fields}
        return out

    def replications_frame(self):
        """One row per replication (numbered 1 to N): the line KPIs (a pandas DataFrame)."""
        import pandas as pd

        first = [k for k in KPIS if k in self.line_values[0]]  # the registry's KPIs, its order
        rows = [
            {
                "replication": run.replication + 1,
                "seed": run.seed,
                **{k: values[k] for k in first},
                **{k: v for k, v in values.items() if k not in first},
            }
            for run, values in zip(self.runs, self.line_values, strict=True)
        ]
        return pd.DataFrame(rows)

    def steps_frame(self):
        """One row per replication (1 to N) and step: raw counts and step KPIs.

        Counts are over the statistics window. ``item`` is what the step makes:
        ``made``, ``good`` and ``scrapped`` count units of it (a cutting step
        counts sheets, a coating step rolls). ``cycles`` are cycles finished,
        ``started`` recipe units taken in (a batch cycle takes several);
        ``scrap_cell_equivalents`` is the scrap in finished units' worth.
        """
        import pandas as pd

        per_product = self.flow.units_per_product
        rows = []
        for step_id in self.flow.order:
            item = self.spec.steps[step_id].output
            for run, values in zip(self.runs, self.step_values[step_id], strict=True):
                raw = run.steps[step_id]
                rows.append(
                    {
                        "replication": run.replication + 1,
                        "step": step_id,
                        "process": self.spec.process_of(step_id),
                        "item": item,
                        "machines": raw.machines,
                        "cycles": raw.cycles,
                        "started": raw.started,
                        **values,
                        "made": raw.made,
                        "good": raw.good,
                        "scrapped": raw.scrapped + raw.detected,
                        "scrap_cell_equivalents": (raw.scrapped + raw.detected)
                        / per_product.get(item, 1.0),
                    }
                )
        return pd.DataFrame(rows)


def _as_dicts(tree: dict) -> dict:
    """The same nesting with every :class:`Estimate` as its JSON form."""
    return {k: _as_dicts(v) if isinstance(v, dict) else v.to_dict() for k, v in tree.items()}


def spec_argument(spec: LineSpec) -> str:
    """How to name a spec on the command line: a shipped line by name, else its path."""
    from fabsim.spec.catalog import shipped

    path = shipped().get(spec.short_name)
    if spec.source and path is not None and str(path) == spec.source:
        name = spec.short_name
    else:
        name = spec.source or spec.short_name
    return f"{name}@{spec.scenario}" if spec.scenario else name


def _exact_hours(hours: float) -> str:
    """Hours as text that parses back to the very same float (``3333.3333333333335 h``)."""
    short = f"{hours:g}"
    return f"{short} h" if float(short) == hours else f"{hours!r} h"


def command_line(command: str, lines: list[LineResults], equal: str | None = None) -> str:
    """The command (run or compare) that reproduces ``lines``, options and overrides included.

    Example:
        >>> command_line("run", [results])     # doctest: +SKIP
        "fabsim run semi_solid -n 5 --seed 1 --horizon '720 h' --warmup '576 h' --set ..."
    """
    import shlex

    first = lines[0]
    words = ["fabsim", command, *(spec_argument(r.spec) for r in lines)]
    words += ["-n", str(first.replications), "--seed", str(first.seed)]
    if equal:
        words += ["--equal", equal]
    # Lines of a comparison may each keep their spec's own window: name a
    # window on the command line only when it is the same for all.
    if len({r.horizon_h for r in lines}) == 1:
        words += ["--horizon", _exact_hours(first.horizon_h)]
    if len({r.warmup_h for r in lines}) == 1:
        words += ["--warmup", _exact_hours(first.warmup_h)]
    if all(r.overrides == first.overrides for r in lines):
        for text in first.overrides:
            words += ["--set", text]
    else:  # each line's own, in the order they were applied
        for position, results in enumerate(lines, start=1):
            for text in results.overrides:
                words += ["--set", f"{position}:{text}"]
    return " ".join(shlex.quote(w) for w in words)
