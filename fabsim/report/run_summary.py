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

from fabsim.analysis.kpis import KPIS, LINE_KPIS
from fabsim.analysis.line_results import LineResults
from fabsim.report.format import (
    STATE_MARKS,
    STATE_STYLES,
    WIDE,
    OneLine,
    abbreviate,
    duration,
    fit,
    number,
    pct_with_ci,
    percent,
    state_bar,
    with_ci,
)

KPI_ROWS = tuple(
    (KPIS[name].label, name, KPIS[name].kind)
    for name in KPIS
    if name in LINE_KPIS  # cost KPIs have their own table
)


def header(
    command: str, results: list[LineResults], seed: int, names: list[str] | None = None
) -> Text:
    """What was run, exactly, so a pasted summary can be reproduced.

    Overrides show in the header line: on every line, or per line (by the
    names the comparison gives them).
    """
    first = results[0]
    text = Text(f"fabsim {command} · ", style="bold")
    text.append(" vs ".join(r.spec.label for r in results), style="bold cyan")
    text.append(f" · {first.replications} replications · {window_text(results, names)}")
    text.append(f" · seed {seed}")
    shared = [o for o in first.overrides if all(o in r.overrides for r in results)]
    if shared:
        text.append(" · " + " ".join(f"--set {o}" for o in shared), style="bold yellow")
    for label, r in zip(names or [r.spec.label for r in results], results, strict=True):
        own = [o for o in r.overrides if o not in shared]
        if own:
            text.append(f" · {label}: " + " ".join(f"--set {o}" for o in own), style="bold yellow")
    return text


def window_text(results: list[LineResults], names: list[str] | None = None) -> str:
    """``30 d after 2 d warm-up``, or each line's own window and warm-up when they differ."""
    names = names or [r.spec.label for r in results]
    pairs = [(duration(r.horizon_h), duration(r.warmup_h)) for r in results]
    if len(set(pairs)) == 1:
        return f"{pairs[0][0]} after {pairs[0][1]} warm-up"
    return "; ".join(
        f"{name}: {window} after {warmup} warm-up"
        for name, (window, warmup) in zip(names, pairs, strict=True)
    )


def reproduce(command: str) -> Text:
    """The exact command line that gives the same numbers again (printed unwrapped)."""
    return OneLine(f"reproduce: {command}", style="dim")


def format_kpi(results: LineResults, key: str, kind: str) -> str:
    estimate = results.kpi(key)
    return pct_with_ci(estimate) if kind == "percent" else with_ci(estimate)


def kpi_table(results: LineResults, width: int = WIDE, every_item: bool = False) -> Table:
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
    table.add_row("Bottleneck", results.bottleneck_text)
    items = material_items(results)
    shown = items if every_item else key_material_items(results)
    for item in shown:  # in flow order
        key = f"material_yield.{item}"
        table.add_row(f"Material yield: {item}", pct_with_ci(results.kpi(key)))
    if len(shown) < len(items):
        table.add_row(
            Text(f"({len(items) - len(shown)} more material yields: --all)", style="dim"), ""
        )
    return fit(table)


def key_material_items(results: LineResults, lowest: int = 2) -> list[str]:
    """The material yields that matter: what goes into a cell directly (its sheets), and
    the ``lowest`` other items with the most material lost (in flow order)."""
    items = material_items(results)
    chain = results.flow.unit_chain
    direct = set(results.spec.steps[chain[0]].uses) if chain else set()
    rest = [i for i in items if i not in direct]
    losses = {i: results.kpi(f"material_yield.{i}").mean for i in rest}
    worst = sorted((i for i in rest if losses[i] is not None), key=lambda i: losses[i])[:lowest]
    return [i for i in items if i in direct or i in worst]


def material_items(results: LineResults) -> list[str]:
    """Items with a material yield, in flow order (the order their makers run)."""
    items = []
    for step_id in results.flow.order:
        item = results.spec.steps[step_id].output
        if f"material_yield.{item}" in results.line_values[0] and item not in items:
            items.append(item)
    return items


def step_table(results: LineResults, width: int = WIDE) -> Table:
    """Per step: machines, utilization, state bar, yield, scrap, OEE, bottleneck share.

    Below :data:`WIDE` columns the state bar and the process tag are left
    out (both are in ``--json``), so that every number stays whole at 80 columns.
    """
    wide = width >= WIDE
    table = Table(show_edge=False, title="Steps (flow order)", title_justify="left")
    columns = [
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
    ]
    if not wide:
        columns.remove(("states", "left"))
        columns.remove(("process", "left"))
        columns[-1] = ("b.neck", "right")
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=name == "states")
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
        cells = [
            Text(step_id, style="bold" if step_id == top else ""),
            abbreviate(results.spec.process_of(step_id), wide),
            str(results.spec.steps[step_id].machines),
            number(results.capacities[step_id].good_per_h),
            percent(results.step(step_id, "utilization").mean),
            bar,
            percent(results.step(step_id, "yield").mean, 2),
            number(results.step(step_id, "scrap_cell_equivalents").mean),
            percent(results.step(step_id, "oee").mean),
            mark,
        ]
        if not wide:
            del cells[5], cells[1]
        table.add_row(*cells)
    return fit(table)


def legend(width: int = WIDE) -> Text:
    text = Text("states: ")
    if width >= WIDE:
        for state, mark in STATE_MARKS.items():
            text.append(mark * 2, style=STATE_STYLES[state])
            text.append(f" {state}  ")
        text.append("\n")
    else:
        text = Text(
            f"(process tags and state bars from {WIDE} columns, or in --json)\n", style="dim"
        )
    text.append(
        "◆ b.neck/bottleneck (active-period method: share of time the step is the "
        "momentary bottleneck). cap./h = nameplate good units/h the step could "
        "support alone. scrap = finished-unit equivalents per run window (raw counts "
        "of each step's own item in --json).",
        style="dim",
    )
    return text


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
    return fit(table)


def phenomena_table(results: LineResults) -> Table:
    """Disturbances, supplies and dwell limits: events, hours, scrap, stock-outs."""
    table = Table(show_edge=False, title="Battery-line phenomena", title_justify="left")
    table.add_column("what")
    table.add_column("mean ± 95% CI over the window", justify="left")
    for name, d in results.disturbance_estimates().items():
        table.add_row(
            f"disturbance {name}",
            f"{with_ci(d['events'])} events\n{with_ci(d['hours'])} h\n"
            f"{with_ci(d['scrapped'])} units scrapped",
        )
    for name, supply in results.supply_estimates().items():
        shares = {s: results.starved_by(s, name).mean or 0.0 for s in results.flow.order}
        starved = [f"{s} {percent(share)}" for s, share in shares.items() if share > 0.0005]
        table.add_row(
            f"supply {name}",
            f"{with_ci(supply['delivered'])} delivered\nmean stock "
            f"{with_ci(supply['mean_stock'])}\nout of stock "
            f"{percent(supply['stockout_share'].mean or 0.0)} of the time\n"
            f"{with_ci(supply['disruptions'])} disruptions"
            + (f"\nstarved by it: {', '.join(starved)} of the time" if starved else ""),
        )
    for item, entry in results.spec.buffers.items():
        if entry.max_dwell:
            expired = results.buffer_estimate(item, "expired")
            table.add_row(f"dwell limit {item}", f"{with_ci(expired)} units expired")
    return fit(table)


def caveats(results: LineResults, name: str | None = None) -> list[Text]:
    """The run's warnings and the bottleneck caveat, each marked as a warning in words."""
    prefix = f"Warning ({name}): " if name else "Warning: "
    notes = [Text(prefix + w, style="bold yellow") for w in results.warnings]
    if results.bottleneck_note:
        notes.append(Text("Bottleneck: " + results.bottleneck_note, style="yellow"))
    return notes


def run_summary(results: LineResults, width: int = WIDE, every_item: bool = False) -> list:
    """Everything ``fabsim run`` prints, as rich renderables in order, for ``width`` columns.

    ``every_item`` lists the material yield of every item, not only those that matter.
    """
    return [
        header("run", [results], results.seed),
        reproduce(results.command),
        "",
        kpi_table(results, width, every_item),
        "",
        step_table(results, width),
        legend(width),
        *(
            ["", phenomena_table(results), "", loss_table(results)]
            if has_phenomena(results.spec)
            else []
        ),
        *_cost_part(results),
        *caveats(results),
    ]


def _cost_part(results: LineResults) -> list:
    if results.spec.costs is None:
        return []
    from fabsim.report.cost_summary import cost_table, scrap_value_table

    return ["", cost_table(results), "", scrap_value_table(results)]
