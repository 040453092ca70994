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

from functools import cached_property

from fabsim.analysis.capacity import step_capacities
from fabsim.analysis.kpis import LINE_KPIS, line_kpis, step_kpis
from fabsim.analysis.stats import Estimate, estimate
from fabsim.sim.machine import STATES
from fabsim.sim.results import ReplicationResult
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

STEP_JSON = (
    "utilization",
    "made",
    "scrapped",
    "yield",
    "oee",
    "bottleneck_share",
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
        return {s: [step_kpis(self.spec, s, run) for run in self.runs] for s in self.flow.order}

    def values(self, kpi: str) -> list[float]:
        """One line KPI across replications (for paired comparisons)."""
        return [v.get(kpi, float("nan")) for v in self.line_values]

    def kpi(self, name: str) -> Estimate:
        """Mean and 95% CI of a line KPI over replications."""
        return estimate(self.values(name))

    def step(self, step_id: str, name: str) -> Estimate:
        """Mean and 95% CI of a step KPI over replications."""
        return estimate(v[name] for v in self.step_values[step_id])

    @cached_property
    def capacities(self):
        return step_capacities(self.spec)

    @cached_property
    def bottleneck(self) -> tuple[str, float]:
        """The step most often the momentary bottleneck, and its mean share."""
        shares = {s: self.step(s, "bottleneck_share").mean or 0.0 for s in self.flow.order}
        step_id = max(shares, key=shares.get)
        return step_id, shares[step_id]

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

    def to_dict(self) -> dict:
        """The ``--json`` object: every statistic is ``{"mean": x, "ci95": [lo, hi]}``."""
        kpi_names = list(LINE_KPIS) + sorted(
            {k for v in self.line_values for k in v} - set(LINE_KPIS)
        )
        steps = {}
        for step_id in self.flow.order:
            entry = {
                "process": self.spec.process_of(step_id),
                "machines": self.spec.steps[step_id].machines,
                "capacity_per_h": self.capacities[step_id].good_per_h,
            }
            entry.update({name: self.step(step_id, name).to_dict() for name in STEP_JSON})
            entry["states"] = {
                state: self.step(step_id, f"states.{state}").to_dict() for state in STATES
            }
            machine_hours = self.spec.steps[step_id].machines * self.horizon_h
            entry["starved_by"] = {
                name: estimate(
                    r.steps[step_id].starved_by.get(name, 0.0) / machine_hours for r in self.runs
                ).to_dict()
                for name in self.spec.supplies
            }
            steps[step_id] = entry
        buffers = {}
        for item in self.runs[0].buffers:
            capacity = self.runs[0].buffers[item].capacity
            buffers[item] = {
                "capacity": None if capacity == float("inf") else int(capacity),
                "mean_level": estimate(r.buffers[item].mean_level for r in self.runs).to_dict(),
                "max_level": estimate(r.buffers[item].max_level for r in self.runs).to_dict(),
                "expired": estimate(r.buffers[item].expired for r in self.runs).to_dict(),
                "scrapped": estimate(r.buffers[item].scrapped for r in self.runs).to_dict(),
            }
        bottleneck, share = self.bottleneck
        return {
            "line": self.spec.line,
            "source": self.spec.source,
            "seed": self.seed,
            "replications": self.replications,
            "warmup_h": self.warmup_h,
            "horizon_h": self.horizon_h,
            "kpis": {name: self.kpi(name).to_dict() for name in kpi_names},
            "bottleneck": {"step": bottleneck, "share": share, "note": self.bottleneck_note},
            "steps": steps,
            "buffers": buffers,
            "disturbances": self.disturbances_dict(),
            "supplies": self.supplies_dict(),
        }

    def disturbances_dict(self) -> dict:
        """Per disturbance: events, hours and units scrapped in the window (mean, CI)."""
        out = {}
        for name, disturbance in self.spec.disturbances.items():
            rows = [r.disturbances[name] for r in self.runs]
            out[name] = {
                "events": estimate(d.events for d in rows).to_dict(),
                "hours": estimate(d.hours for d in rows).to_dict(),
                "scrapped": estimate(sum(d.scrapped.values()) for d in rows).to_dict(),
                "scrapped_items": {
                    item: estimate(d.scrapped.get(item, 0) for d in rows).to_dict()
                    for item in disturbance.scraps
                },
            }
        return out

    def supplies_dict(self) -> dict:
        """Per supply: delivered, mean stock, stock-out share and disruptions (mean, CI)."""
        out = {}
        for name, supply in self.spec.supplies.items():
            rows = [r.supplies[name] for r in self.runs]
            out[name] = {
                "item": supply.item,
                "delivered": estimate(s.delivered for s in rows).to_dict(),
                "turned_away": estimate(s.turned_away for s in rows).to_dict(),
                "mean_stock": estimate(s.mean_stock for s in rows).to_dict(),
                "stockout_share": estimate(s.stockout_share for s in rows).to_dict(),
                "disruptions": estimate(s.disruptions for s in rows).to_dict(),
                "disrupted_hours": estimate(s.disrupted_hours for s in rows).to_dict(),
            }
        return out

    def replications_frame(self):
        """One row per replication: the line KPIs (a pandas DataFrame)."""
        import pandas as pd

        rows = [
            {"replication": run.replication, "seed": run.seed, **values}
            for run, values in zip(self.runs, self.line_values, strict=True)
        ]
        return pd.DataFrame(rows)

    def steps_frame(self):
        """One row per replication and step: raw counts and step KPIs."""
        import pandas as pd

        rows = []
        for step_id in self.flow.order:
            for run, values in zip(self.runs, self.step_values[step_id], strict=True):
                raw = run.steps[step_id]
                rows.append(
                    {
                        "replication": run.replication,
                        "step": step_id,
                        "process": self.spec.process_of(step_id),
                        "machines": raw.machines,
                        "cycles": raw.cycles,
                        "started": raw.started,
                        "good": raw.good,
                        **values,
                    }
                )
        return pd.DataFrame(rows)
