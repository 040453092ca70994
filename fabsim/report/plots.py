"""Pictures a reviewer reads: each a small function from results to a matplotlib figure.

Every plot has a title and axis labels with units, and reads in grey-scale:
states, lines and scenarios differ by hatch pattern or label, not by colour
alone. matplotlib (Agg backend) is imported only here, only when a plot is
asked for (``--plots DIR``).

Example:
    >>> figure = states_figure(results)                   # doctest: +SKIP
    >>> save(figure, "plots/states.png")                  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os

from fabsim.analysis.kpis import KPIS, kpi_label
from fabsim.analysis.stats import estimate

STATE_HATCHES = {
    "busy": "",
    "setup": "..",
    "down": "xx",
    "blocked": "//",
    "starved": "\\\\",
    "disturbed": "++",
    "off_shift": "--",
}
STATE_GREYS = {
    "busy": "0.25",
    "setup": "0.85",
    "down": "0.55",
    "blocked": "0.7",
    "starved": "0.95",
    "disturbed": "0.4",
    "off_shift": "1.0",
}
LINE_HATCHES = ("", "//", "..", "xx", "\\\\", "++")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure, path: str) -> None:
    """Write ``figure`` as a PNG (its folder is made if needed) and close it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    _pyplot().close(figure)


def states_figure(results):
    """Stacked horizontal bars per step: share of machine time in each state; bottleneck marked."""
    plt = _pyplot()
    from fabsim.sim.machine import STATES

    steps = list(results.flow.order)
    top, share = results.bottleneck
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(steps) + 1.6))
    lefts = [0.0] * len(steps)
    for state in STATES:
        widths = [(results.step(s, f"states.{state}").mean or 0.0) * 100 for s in steps]
        axes.barh(
            range(len(steps)),
            widths,
            left=lefts,
            color=STATE_GREYS.get(state, "0.5"),
            hatch=STATE_HATCHES.get(state, ""),
            edgecolor="black",
            linewidth=0.4,
            label=state.replace("_", " "),
        )
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    labels = [f"◆ {s} (bottleneck {share:.0%})" if s == top else s for s in steps]
    axes.set_yticks(range(len(steps)), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("share of machine time (%)")
    axes.set_title(f"{results.spec.label}: where each step's time goes")
    axes.legend(
        ncol=7,
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1 - 1.2 / (0.35 * len(steps) + 1.6)),
    )
    return figure


def _scrap_rates(results) -> list[tuple[str, float]]:
    """Scrap per hour in finished-unit equivalents: each step, then each buffer's."""
    per_product = results.flow.units_per_product
    rates = list(results.scrap_per_h().items())
    for item in results.runs[0].buffers:
        share = per_product.get(item)
        if not share:
            continue
        lost = sum((results.buffer_estimate(item, f).mean or 0.0) for f in ("expired", "scrapped"))
        if lost:
            rates.append((f"buffer {item}", lost / share / results.horizon_h))
    return rates


def yield_waterfall_figure(results):
    """Input in finished-unit equivalents, less the scrap at each step, down to good units."""
    plt = _pyplot()
    good = results.kpi("good_rate_per_h").mean or 0.0
    losses = [(name, rate) for name, rate in _scrap_rates(results) if rate > 0]
    started = good + sum(rate for _, rate in losses)
    names = ["started", *(name for name, _ in losses), "good"]
    figure, axes = plt.subplots(figsize=(max(6, 0.55 * len(names) + 2), 4.5))
    axes.bar(0, started, color="0.6", edgecolor="black", hatch="//")
    level = started
    for index, (_, rate) in enumerate(losses, start=1):
        axes.bar(index, rate, bottom=level - rate, color="0.9", edgecolor="black", hatch="xx")
        level -= rate
    axes.bar(len(names) - 1, good, color="0.3", edgecolor="black")
    axes.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize="small")
    axes.set_ylabel("finished-unit equivalents per hour")
    yield_ = good / started if started else math.nan
    axes.set_title(f"{results.spec.label}: yield waterfall (good {yield_:.1%} of input)")
    return figure


def output_over_time_figure(results):
    """Good output per hour over the run, warm-up shaded, the window's mean with its CI band."""
    plt = _pyplot()
    runs = [r for r in results.runs if r.series and r.series_h]
    figure, axes = plt.subplots(figsize=(9, 4))
    if runs:
        width = runs[0].series_h
        bins = min(len(r.series) for r in runs)
        times = [(i + 0.5) * width for i in range(bins)]
        means, lows, highs = [], [], []
        for i in range(bins):
            found = estimate(r.series[i] / width for r in runs).within(0.0, math.inf)
            means.append(found.mean)
            lows.append(found.low if found.low is not None else found.mean)
            highs.append(found.high if found.high is not None else found.mean)
        scale = 24.0 if width >= 24 else 1.0  # days on long runs
        axes.plot([t / scale for t in times], means, color="black", marker=".", label="mean")
        axes.fill_between(
            [t / scale for t in times], lows, highs, color="0.8", label="95% CI per bin"
        )
        axes.axvspan(0, results.warmup_h / scale, color="0.9", hatch="//", label="warm-up")
        rate = results.kpi("good_rate_per_h")
        axes.axhline(rate.mean, color="black", linestyle="--", label="window mean")
        if rate.low is not None:
            axes.axhspan(rate.low, rate.high, color="0.6", alpha=0.4, label="its 95% CI")
        axes.set_xlabel("time since start (d)" if scale == 24 else "time since start (h)")
    axes.set_ylabel("good units per hour")
    axes.set_title(f"{results.spec.label}: good output over time")
    axes.legend(fontsize="small", loc="lower right")
    return figure


def compare_figure(comparison):
    """The lines' headline KPIs side by side with 95% CI error bars."""
    plt = _pyplot()
    kpis = ["gwh_per_year", "overall_yield"]
    if comparison.currency:
        kpis.append("cost_per_kwh")
    figure, panels = plt.subplots(1, len(kpis), figsize=(4 * len(kpis), 4))
    names = comparison.names
    for axes, kpi in zip(panels, kpis, strict=True):
        info = KPIS[kpi]
        scale = 100.0 if info.kind == "percent" else 1.0
        for index, name in enumerate(names):
            found = comparison.lines[name].kpi(kpi)  # clipped at its bounds
            mean = found.mean or 0.0
            low = found.low if found.low is not None else mean
            high = found.high if found.high is not None else mean
            axes.bar(
                index,
                mean * scale,
                yerr=[[(mean - low) * scale], [(high - mean) * scale]],
                capsize=6,
                color="0.75",
                edgecolor="black",
                hatch=LINE_HATCHES[index % len(LINE_HATCHES)],
            )
        axes.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize="small")
        currency = comparison.currency or ""
        unit = "%" if info.kind == "percent" else info.unit.replace("{currency}", currency)
        axes.set_ylabel(f"{kpi_label(kpi)} ({unit})")
        axes.set_title(kpi_label(kpi))
    figure.suptitle("Lines compared (mean and 95% CI over replications)")
    figure.tight_layout()
    return figure


def tornado_figure(result, rows: int = 15):
    """Each parameter's KPI at its low and high bound around the base, largest swing on top."""
    plt = _pyplot()
    effects = result.effects[:rows]
    figure, axes = plt.subplots(figsize=(9, 0.4 * len(effects) + 1.8))
    base = result.base.mean or 0.0
    for index, effect in enumerate(effects):
        low, high = effect.low.mean, effect.high.mean
        axes.barh(index, low - base, left=base, color="0.85", edgecolor="black", hatch="//")
        axes.barh(index, high - base, left=base, color="0.45", edgecolor="black")
    axes.axvline(base, color="black", linewidth=1)
    axes.set_yticks(range(len(effects)), [e.label for e in effects], fontsize="small")
    axes.invert_yaxis()
    what = kpi_label(result.kpi)
    if len(result.lines) == 2:
        what = f"{what}: {result.lines[1]} - {result.lines[0]}"
    axes.set_xlabel(what)
    axes.set_title("Sensitivity: hatched = at low bound, solid = at high bound")
    return figure


def rampup_figure(rampup):
    """Good output per hour each week of a new line, with the mature rate and 90% of it."""
    plt = _pyplot()
    weeks = list(range(1, rampup.weeks + 1))
    means, lows, highs = [], [], []
    for week in weeks:
        found = rampup.week_rate(week)
        means.append(found.mean)
        lows.append(found.low if found.low is not None else found.mean)
        highs.append(found.high if found.high is not None else found.mean)
    figure, axes = plt.subplots(figsize=(9, 4))
    axes.plot(weeks, means, color="black", marker="o", label="new line (mean)")
    axes.fill_between(weeks, lows, highs, color="0.8", label="95% CI")
    mature = rampup.mature_rate().mean or 0.0
    axes.axhline(mature, color="black", linestyle="--", label="mature rate")
    axes.axhline(0.9 * mature, color="0.4", linestyle=":", label="90% of mature")
    axes.set_xlabel("week since start")
    axes.set_ylabel("good units per hour")
    axes.set_title(f"{rampup.line}: ramp-up")
    axes.legend(fontsize="small", loc="lower right")
    return figure


def sweep_figure(points, rows, kpi: str):
    """The KPI against the first swept parameter, one line per value of a second one."""
    plt = _pyplot()
    from fabsim.experiment.points import conversion, split_number

    paths = list(points[0].values) if points else []
    figure, axes = plt.subplots(figsize=(8, 4.5))
    if paths and rows:
        first, others = paths[0], paths[1:]
        unit = split_number(rows[0][first])[1]

        def x_of(row) -> float:  # every value in the first row's unit ("0.75 min" -> 45 s)
            number, its_unit = split_number(row[first])
            return (
                number if its_unit == unit else number * conversion(its_unit, unit, first, "", "")
            )

        groups: dict[tuple, list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(row[p] for p in others), []).append(row)
        styles = ("-", "--", ":", "-.")
        markers = ("o", "s", "^", "D", "v", "x")
        for index, (key, members) in enumerate(groups.items()):
            members.sort(key=x_of)
            errors = [
                (r[kpi] - r[f"{kpi}_lo"], r[f"{kpi}_hi"] - r[kpi])
                if r.get(f"{kpi}_lo") is not None
                else (0.0, 0.0)
                for r in members
            ]
            label = ", ".join(f"{p} = {v}" for p, v in zip(others, key, strict=True))
            axes.errorbar(
                [x_of(r) for r in members],
                [r[kpi] for r in members],
                yerr=list(zip(*errors, strict=True)),
                color="black",
                linestyle=styles[index % len(styles)],
                marker=markers[index % len(markers)],
                capsize=4,
                label=label or None,
            )
        axes.set_xlabel(f"{first} ({unit})" if unit else first)
        if others:
            axes.legend(fontsize="small")
    label = kpi_label(kpi)
    axes.set_ylabel(label)
    axes.set_title(f"Sweep: {label} (mean and 95% CI per point)")
    return figure


def line_plots(results) -> dict:
    """The plots of one line's run, by file name."""
    return {
        "states.png": states_figure(results),
        "yield_waterfall.png": yield_waterfall_figure(results),
        "output_over_time.png": output_over_time_figure(results),
    }


def compare_plots(comparison) -> dict:
    """The plots of a comparison: the KPIs side by side, then each line's own."""
    figures = {"compare.png": compare_figure(comparison)}
    for name, results in comparison.lines.items():
        safe = "".join(c if c.isalnum() or c in "-_@" else "_" for c in name)
        for file, figure in line_plots(results).items():
            figures[f"{safe}_{file}"] = figure
    return figures


def write_plots(directory: str, figures: dict) -> list[str]:
    """Save each figure as ``directory/NAME``; return the paths written."""
    paths = []
    for name, figure in figures.items():
        path = os.path.join(directory, name)
        save(figure, path)
        paths.append(path)
    return paths
