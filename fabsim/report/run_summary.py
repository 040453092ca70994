"""The terminal summary of ``fabsim run``: line KPIs, then the steps.

Each piece is a small function returning a rich renderable; styling stays
here, numbers come from :class:`~fabsim.analysis.line_results.LineResults`.
Nothing depends on colour alone: bars use distinct characters, the
bottleneck is marked with a word as well as a colour.

Example:
    >>> from rich.console import Console                   # doctest: +SKIP
    >>> Console().print(*run_summary(results))              # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from fabsim.analysis.line_results import LineResults
from fabsim.report.format import (
    STATE_MARKS,
    STATE_STYLES,
    duration,
    number,
    pct_with_ci,
    percent,
    state_bar,
    with_ci,
)

KPI_ROWS = (
    ("Good units/h", "good_rate_per_h", "number"),
    ("GWh/yr", "gwh_per_year", "number"),
    ("Overall yield", "overall_yield", "percent"),
    ("Rolled throughput yield", "rolled_throughput_yield", "percent"),
    ("Escaped defects (ppm)", "escaped_ppm", "number"),
    ("WIP (units)", "wip", "number"),
    ("Lead time (h, Little's law)", "lead_time_h", "number"),
)


def header(command: str, results: list[LineResults], seed: int) -> Text:
    """What was run, exactly, so a pasted summary can be reproduced."""
    first = results[0]
    text = Text(f"fabsim {command} · ", style="bold")
    text.append(" vs ".join(r.spec.short_name for r in results), style="bold cyan")
    # Lines may differ in warm-up (each spec's own); show each value once.
    horizons = " | ".join(dict.fromkeys(duration(r.horizon_h) for r in results))
    warmups = " | ".join(dict.fromkeys(duration(r.warmup_h) for r in results))
    text.append(
        f" · {first.replications} replications · {horizons} after {warmups} warm-up · seed {seed}"
    )
    return text


def format_kpi(results: LineResults, key: str, kind: str) -> str:
    estimate = results.kpi(key)
    return pct_with_ci(estimate) if kind == "percent" else with_ci(estimate)


def kpi_table(results: LineResults) -> Table:
    """Line KPIs with their 95% confidence intervals."""
    table = Table(title=f"{results.name}", title_justify="left", show_edge=False)
    table.add_column("Line KPI")
    table.add_column("mean ± 95% CI", justify="right")
    for label, key, kind in KPI_ROWS:
        table.add_row(label, format_kpi(results, key, kind))
    if results.spec.calendar is not None:
        table.add_row(
            "Good units per staffed hour", format_kpi(results, "good_rate_per_staffed_h", "number")
        )
    step_id, share = results.bottleneck
    table.add_row("Bottleneck", f"{step_id} ({percent(share, 0)} of the time)")
    for key in sorted(k for k in results.line_values[0] if k.startswith("material_yield.")):
        table.add_row(f"Material yield: {key.split('.', 1)[1]}", pct_with_ci(results.kpi(key)))
    return table


def step_table(results: LineResults) -> Table:
    """Per step: machines, utilization, state bar, yield, scrap, OEE, bottleneck share."""
    table = Table(show_edge=False, title="Steps (flow order)", title_justify="left")
    for name, justify in (
        ("step", "left"),
        ("process", "left"),
        ("mach.", "right"),
        ("cap./h", "right"),
        ("util.", "right"),
        ("states", "left"),
        ("yield", "right"),
        ("scrap", "right"),
        ("OEE", "right"),
        ("bottleneck", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=name in ("states", "step"))
    top, _ = results.bottleneck
    for step_id in results.flow.order:
        shares = {s: results.step(step_id, f"states.{s}").mean or 0.0 for s in STATE_MARKS}
        bar = Text()
        for text, style in state_bar(shares):
            bar.append(text, style=style)
        share = results.step(step_id, "bottleneck_share").mean
        mark = Text(percent(share, 0))
        if step_id == top:
            mark = Text(f"◆ {percent(share, 0)}", style="bold red")
        table.add_row(
            Text(step_id, style="bold" if step_id == top else ""),
            results.spec.process_of(step_id),
            str(results.spec.steps[step_id].machines),
            number(results.capacities[step_id].good_per_h),
            percent(results.step(step_id, "utilization").mean),
            bar,
            percent(results.step(step_id, "yield").mean, 2),
            number(results.step(step_id, "scrapped").mean),
            percent(results.step(step_id, "oee").mean),
            mark,
        )
    return table


LOSS_LABELS = {
    "off_shift": "off shift and planned maintenance",
    "down": "breakdowns",
    "disturbed": "disturbances (line stopped)",
    "supply": "supply shortages",
    "dwell_scrap": "dwell-limit scrap",
    "disturbance_scrap": "disturbance scrap",
}


def has_phenomena(spec) -> bool:
    """Whether a line has any of the battery-line phenomena to report."""
    return bool(
        spec.calendar
        or spec.disturbances
        or spec.supplies
        or any(b.max_dwell for b in spec.buffers.values())
        or any(f.clock == "calendar" for s in spec.steps.values() for f in s.failures)
    )


def loss_table(results: LineResults) -> Table:
    """Good units/h lost to each phenomenon, estimated at the bottleneck."""
    table = Table(
        show_edge=False,
        title="Where output goes (good units/h, estimated at the bottleneck)",
        title_justify="left",
    )
    table.add_column("lost to")
    table.add_column("units/h ± 95% CI", justify="right")
    for kind, label in LOSS_LABELS.items():
        table.add_row(label, with_ci(results.kpi(f"loss.{kind}")))
    return table


def phenomena_table(results: LineResults) -> Table:
    """Disturbances, supplies and dwell limits: events, hours, scrap, stock-outs."""
    table = Table(show_edge=False, title="Battery-line phenomena", title_justify="left")
    table.add_column("what")
    table.add_column("mean ± 95% CI over the window", justify="left")
    data = results.to_dict()
    for name, d in data["disturbances"].items():
        table.add_row(
            f"disturbance {name}",
            f"{with_ci(_estimate(d['events']))} events, {with_ci(_estimate(d['hours']))} h, "
            f"{with_ci(_estimate(d['scrapped']))} units scrapped",
        )
    for name, supply in data["supplies"].items():
        starved = [
            f"{step_id} {percent(entry['starved_by'][name]['mean'] or 0.0)}"
            for step_id, entry in data["steps"].items()
            if (entry["starved_by"].get(name, {}).get("mean") or 0.0) > 0.0005
        ]
        table.add_row(
            f"supply {name}",
            f"{with_ci(_estimate(supply['delivered']))} delivered, mean stock "
            f"{with_ci(_estimate(supply['mean_stock']))}, out of stock "
            f"{percent(supply['stockout_share']['mean'] or 0.0)} of the time, "
            f"{with_ci(_estimate(supply['disruptions']))} disruptions"
            + (f"; starved by it: {', '.join(starved)} of the time" if starved else ""),
        )
    for item, buffer in data["buffers"].items():
        if results.spec.buffers.get(item) and results.spec.buffers[item].max_dwell:
            table.add_row(
                f"dwell limit {item}",
                f"{with_ci(_estimate(buffer['expired']))} units expired",
            )
    return table


def _estimate(entry: dict):
    from fabsim.analysis.stats import Estimate

    low, high = entry["ci95"]
    return Estimate(entry["mean"], low, high, 0)


def legend() -> Text:
    text = Text("states: ")
    for state, mark in STATE_MARKS.items():
        text.append(mark * 2, style=STATE_STYLES[state])
        text.append(f" {state}  ")
    text.append(
        "\n◆ = bottleneck (active-period method: share of time the step is the "
        "momentary bottleneck). cap./h = nameplate good units/h the step could "
        "support alone. scrap = units per run window.",
        style="dim",
    )
    return text


def caveats(results: LineResults) -> list[Text]:
    notes = []
    if results.bottleneck_note:
        notes.append(Text("Bottleneck: " + results.bottleneck_note, style="yellow"))
    if results.replications < 2:
        notes.append(
            Text(
                "Only 1 replication: no confidence interval. One run is an "
                "anecdote; use --replications 5 or more.",
                style="bold yellow",
            )
        )
    return notes


def run_summary(results: LineResults) -> list:
    """Everything ``fabsim run`` prints, as rich renderables in order."""
    return [
        header("run", [results], results.seed),
        "",
        kpi_table(results),
        "",
        step_table(results),
        legend(),
        *(
            ["", phenomena_table(results), "", loss_table(results)]
            if has_phenomena(results.spec)
            else []
        ),
        *caveats(results),
    ]
