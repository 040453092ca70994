"""Lines side by side: paired differences, processes compared, a plain verdict.

Every line ran the same replications with the same seed (common random
numbers), so differences are paired replication by replication. The first
line is the baseline: each difference is *other minus first*.

Example:
    >>> comparison = Comparison({"semi": semi, "solid": solid})   # doctest: +SKIP
    >>> comparison.difference("good_rate_per_h", "solid").significant()   # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from fabsim.analysis.kpis import LINE_KPIS, LOSSES
from fabsim.analysis.line_results import LineResults, command_line
from fabsim.analysis.stats import Estimate, paired_difference

VERDICT_KPI = "gwh_per_year"
"""The comparison's verdict: good energy a year, the question fabsim answers."""

COST_KPIS = ("cost_per_kwh", "cost_per_good_unit")
"""Compared (paired) when every line has ``costs:`` in one currency."""


@dataclass(frozen=True)
class ProcessView:
    """One process tag in one line: what its steps can do and what they lose."""

    steps: tuple[str, ...]
    capacity_per_h: float  # good finished units/h its weakest step could support
    yield_: float  # product of the realized yields of its steps
    utilization: float  # machine-weighted mean utilization
    scrap_share: float  # share of the line's scrap (in finished-unit equivalents)
    scrap_per_h: float  # finished-unit equivalents scrapped per hour
    bottleneck_share: float


class Comparison:
    """Several :class:`LineResults` run with the same seeds; the first is the baseline."""

    def __init__(self, lines: dict[str, LineResults]):
        if len(lines) < 2:
            raise ValueError("a comparison needs at least two lines")
        self.lines = lines
        self.names = list(lines)
        counts = {r.replications for r in lines.values()}
        if len(counts) != 1:
            raise ValueError("lines were run with different numbers of replications")

    @property
    def baseline(self) -> str:
        return self.names[0]

    def difference(self, kpi: str, name: str) -> Estimate:
        """Paired difference ``name - baseline`` of a line KPI over replications."""
        return paired_difference(
            self.lines[self.baseline].values(kpi), self.lines[name].values(kpi)
        )

    def relative_difference(self, kpi: str, name: str) -> Estimate:
        """The paired difference ``name - baseline`` over the baseline's mean (as the verdict
        quotes it): its interval is the difference's, divided by that mean."""
        diff = self.difference(kpi, name)
        base = self.lines[self.baseline].kpi(kpi).mean
        if diff.mean is None or not base:
            return Estimate(None, None, None, diff.n)
        scale = abs(base)
        if diff.low is None:
            return Estimate(diff.mean / scale, None, None, diff.n)
        return Estimate(diff.mean / scale, diff.low / scale, diff.high / scale, diff.n)

    @cached_property
    def scrap_per_h(self) -> dict[str, dict[str, float]]:
        """Per line, each step's scrap per hour in finished-unit equivalents."""
        return {name: results.scrap_per_h() for name, results in self.lines.items()}

    @cached_property
    def processes(self) -> list[str]:
        """Process tags in flow order; a tag only one line has sits where its flow puts it."""
        merged: list[str] = []
        for results in self.lines.values():
            placed: set[str] = set()  # tags this line added so far
            previous = None
            for step_id in results.flow.order:
                tag = results.spec.process_of(step_id)
                if tag not in merged:
                    at = merged.index(previous) + 1 if previous in merged else 0
                    while at < len(merged) and merged[at] in placed:
                        at += 1  # after tags this line already placed here
                    merged.insert(at, tag)
                    placed.add(tag)
                previous = tag
        return merged

    @staticmethod
    def _tags(results: LineResults) -> set[str]:
        return {results.spec.process_of(s) for s in results.flow.order}

    def process(self, name: str, tag: str) -> ProcessView | None:
        """How the steps with process ``tag`` do in line ``name`` (None if it has none)."""
        results = self.lines[name]
        steps = tuple(s for s in results.flow.order if results.spec.process_of(s) == tag)
        if not steps:
            return None
        scrap = self.scrap_per_h[name]
        total = sum(scrap.values())
        machines = sum(results.spec.steps[s].machines for s in steps)
        yield_ = math.prod(results.step(s, "yield").mean or 0.0 for s in steps)
        return ProcessView(
            steps=steps,
            capacity_per_h=min(results.capacities[s].good_per_h for s in steps),
            yield_=yield_,
            utilization=sum(
                results.step(s, "utilization").mean * results.spec.steps[s].machines for s in steps
            )
            / machines,
            scrap_share=sum(scrap[s] for s in steps) / total if total else 0.0,
            scrap_per_h=sum(scrap[s] for s in steps),
            # Sole shares add up; time shared among the process's own steps
            # counts once (the largest shared share, a lower bound).
            bottleneck_share=min(
                1.0,
                sum(results.step(s, "bottleneck_sole").mean or 0.0 for s in steps)
                + max(results.step(s, "bottleneck_shared").mean or 0.0 for s in steps),
            ),
        )

    @property
    def command(self) -> str:
        """The ``fabsim compare`` command that gives these numbers again."""
        return command_line("compare", list(self.lines.values()), self.equal)

    equal: str | None = None
    """``capex`` or ``output`` when the lines were scaled before comparing (``--equal``)."""

    scaling: dict[str, str] | None = None
    """Per scaled line, what was scaled and how (``--equal``), in words."""

    @property
    def currency(self) -> str | None:
        """The lines' one currency, or None if a line has no costs or currencies differ."""
        found = {r.spec.costs.currency if r.spec.costs else None for r in self.lines.values()}
        return found.pop() if len(found) == 1 and None not in found else None

    def equipment(self) -> list[dict]:
        """Machines and capex by process, per line, in flow order (capex None without costs).

        Example:
            >>> comparison.equipment()[0]        # doctest: +SKIP
            {'process': 'mixing', 'machines': {'semi': 2, 'solid': 3}, 'capex': {...}}
        """
        rows = []
        for tag in self.processes:
            row = {"process": tag, "machines": {}, "capex": {}}
            for name, results in self.lines.items():
                steps = [s for s in results.flow.order if results.spec.process_of(s) == tag]
                spec = results.spec
                row["machines"][name] = sum(spec.steps[s].machines for s in steps) if steps else 0
                row["capex"][name] = (
                    sum(results.capex[s] for s in steps) if spec.costs and steps else None
                )
            rows.append(row)
        return rows

    @property
    def verdict_kpi(self) -> str:
        """What the verdict rests on: good energy a year (cost per kWh once costs exist)."""
        return VERDICT_KPI

    def winner(self, kpi: str | None = None) -> str | None:
        """The line significantly better than every other on ``kpi`` (default: good GWh a
        year; lower is better for costs), or None."""
        kpi = kpi or self.verdict_kpi
        means = {n: self.lines[n].kpi(kpi).mean for n in self.names}
        if any(m is None for m in means.values()):
            return None
        sign = -1 if kpi.startswith("cost") else 1
        best = max(means, key=lambda n: sign * means[n])
        for other in self.names:
            if other == best:
                continue
            diff = paired_difference(self.lines[other].values(kpi), self.lines[best].values(kpi))
            if not diff.significant():
                return None
        return best

    def verdict(self) -> list[str]:
        """Plain sentences: who makes more good energy, by how much, what limits each line.

        The verdict rests on GWh/yr, not on unit counts: lines of different
        cells make different energy per unit. When the unit count points the
        other way, a sentence says so.
        """
        base = self.lines[self.baseline]
        sentences = []
        for name in self.names[1:]:
            sentences += self._energy_sentences(name)
            sentences += self._cost_sentences(name)
        for name, results in self.lines.items():
            if not sum(r.finished for r in results.runs):
                sentences.append(f"{name} finished no good unit in the window.")
                continue
            scrap = self.scrap_per_h[name]
            worst = max(scrap, key=scrap.get) if scrap else None
            text = f"{name} is limited by {results.bottleneck_text}"
            if worst and scrap[worst] > 0:
                text += (
                    f"; its largest scrap is at {worst} "
                    f"({results.spec.process_of(worst)}), {scrap[worst]:.1f} units/h "
                    "of finished-unit equivalents"
                )
            sentences.append(text + ".")
        if len(base.runs) < 2:
            sentences.append("One replication: no interval; nothing here is significant.")
        return sentences

    def _cost_sentences(self, name: str) -> list[str]:
        """Cost per good kWh, paired: how much dearer or cheaper, with its interval."""
        currency = self.currency
        if currency is None:
            costed = [n for n, r in self.lines.items() if r.spec.costs is not None]
            if costed and len(costed) < len(self.names):
                return ["Cost is compared only when every line has costs: (some have none)."]
            return []
        kpi = "cost_per_kwh"
        diff = self.difference(kpi, name)
        base = self.lines[self.baseline].kpi(kpi).mean
        other = self.lines[name].kpi(kpi).mean
        if diff.mean is None or not base:
            return []
        change = abs(diff.mean / base) * 100
        word = "more" if diff.mean > 0 else "less"
        levels = f"{other:.1f} against {base:.1f} {currency}/kWh"
        if diff.low is None:
            return [f"Each good kWh of {name} costs {change:.1f}% {word} ({levels})."]
        if not diff.significant():
            return [
                f"{name} and {self.baseline} cost the same per good kWh within the noise "
                f"({levels}; difference {diff.mean / base * 100:+.1f}%, 95% CI "
                f"{diff.low / base * 100:+.1f}% to {diff.high / base * 100:+.1f}%)."
            ]
        low, high = sorted((abs(diff.low / base) * 100, abs(diff.high / base) * 100))
        return [
            f"Each good kWh of {name} costs {change:.1f}% {word} than one of "
            f"{self.baseline} ({levels}; 95% CI {low:.1f}% to {high:.1f}% {word})."
        ]

    def _energy_sentences(self, name: str) -> list[str]:
        # Significance from the paired difference (as the winner); the size
        # as that difference over the baseline's mean.
        kpi = self.verdict_kpi
        diff = self.difference(kpi, name)
        base = self.lines[self.baseline].kpi(kpi).mean
        if diff.mean is None or base is None:
            return []
        if diff.half_width == 0 and diff.mean == 0:
            return [f"{name} and {self.baseline} make the same good energy in every replication."]
        if not base:
            return [
                f"{self.baseline} made no good energy in the window; "
                f"{name} made {self.lines[name].kpi(kpi).mean:.3g} GWh/yr."
            ]
        change = abs(diff.mean / base) * 100
        word = "more" if diff.mean > 0 else "less"
        if diff.low is None:
            first = (
                f"{name} makes {change:.1f}% {word} good energy (GWh/yr) than "
                f"{self.baseline} (one replication: no interval)."
            )
        elif diff.significant():
            low, high = sorted((abs(diff.low / base) * 100, abs(diff.high / base) * 100))
            first = (
                f"{name} makes {change:.1f}% {word} good energy (GWh/yr) than "
                f"{self.baseline} (95% CI {low:.1f}% to {high:.1f}% {word})."
            )
        else:
            return [
                f"{name} and {self.baseline} make the same good energy (GWh/yr) within "
                f"the noise: {diff.mean / base * 100:+.1f}% (95% CI "
                f"{diff.low / base * 100:+.1f}% to {diff.high / base * 100:+.1f}%); "
                "more replications may separate them."
            ]
        units = self.relative_difference("good_rate_per_h", name)
        opposite = (
            units.mean is not None
            and units.mean * diff.mean < 0
            and (units.low is None or units.significant())
        )
        if not opposite:
            return [first]
        energy = {
            n: round(self.lines[n].spec.product.energy * 1000, 1) for n in (name, self.baseline)
        }
        count = f"{abs(units.mean) * 100:.1f}%"
        if units.mean > 0:
            second = (
                f"In units the order is reversed: {name} makes {count} more good units "
                f"than {self.baseline}, but each holds less energy ({energy[name]:g} Wh "
                f"against {energy[self.baseline]:g} Wh)."
            )
        else:
            second = (
                f"In units the order is reversed: {name} makes {count} fewer good units "
                f"than {self.baseline}, but each holds more energy ({energy[name]:g} Wh "
                f"against {energy[self.baseline]:g} Wh)."
            )
        return [first, second]

    def to_dict(self) -> dict:
        """``--json`` of ``compare``: one object per line (keyed by its name), plus
        ``differences`` (paired, other minus baseline), ``processes`` and ``verdict``."""
        data = {name: results.to_dict() for name, results in self.lines.items()}
        differences = {}
        for name in self.names[1:]:
            entry = {}
            for kpi in LINE_KPIS + (COST_KPIS if self.currency else ()):
                diff = self.difference(kpi, name)
                entry[kpi] = {**diff.to_dict(), "significant": diff.significant()}
            rel = self.relative_difference("good_rate_per_h", name)
            entry["good_rate_relative"] = {**rel.to_dict(), "significant": rel.significant()}
            for kpi in (self.verdict_kpi, *(("cost_per_kwh",) if self.currency else ())):
                rel = self.relative_difference(kpi, name)
                entry[f"{kpi}_relative"] = {**rel.to_dict(), "significant": rel.significant()}
            differences[f"{name} - {self.baseline}"] = entry
        processes = {}
        for tag in self.processes:
            processes[tag] = {}
            for name in self.names:
                view = self.process(name, tag)
                processes[tag][name] = (
                    None
                    if view is None
                    else {
                        "steps": list(view.steps),
                        "capacity_per_h": view.capacity_per_h,
                        "yield": view.yield_,
                        "utilization": view.utilization,
                        "scrap_share": view.scrap_share,
                        "scrap_per_h": view.scrap_per_h,
                        "bottleneck_share": view.bottleneck_share,
                    }
                )
        losses = {}
        for kind in LOSSES:
            key = f"loss.{kind}"
            losses[kind] = {name: self.lines[name].kpi(key).to_dict() for name in self.names}
            for name in self.names[1:]:
                diff = self.difference(key, name)
                losses[kind][f"{name} - {self.baseline}"] = {
                    **diff.to_dict(),
                    "significant": diff.significant(),
                }
        return {
            **data,
            "command": self.command,
            "equal": self.equal,
            "scaling": self.scaling,
            "equipment": self.equipment(),
            "differences": differences,
            "processes": processes,
            "losses": losses,
            "verdict": {
                "kpi": self.verdict_kpi,
                "winner": self.winner(),
                "winner_on_cost": self.winner("cost_per_kwh") if self.currency else None,
                "text": self.verdict(),
            },
        }
