"""Terminal summaries of the experiments: sweep, sensitivity, break-even, plan.

Example:
    >>> Console().print(*sweep_summary(base, points, rows, "gwh_per_year", 5, 1, None, cmd))
    ...                                                         # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from fabsim.analysis.kpis import kpi_label
from fabsim.analysis.sweep import best_rows
from fabsim.report.format import OneLine, fit, number, with_ci


def interval(mean, low, high) -> str:
    """``1.23 (1.20 to 1.26)``: a mean and its 95% CI; the mean alone without one."""
    if mean is None or mean != mean:
        return "–"
    if low is None or high is None or low != low:
        return number(mean)
    return f"{number(mean)} ({number(low)} to {number(high)})"


def sweep_summary(base, points, rows, kpi, replications, seed, out, command) -> list:
    """Header, the command to reproduce, and the best points for ``kpi``."""
    head = Text("fabsim sweep · ", style="bold")
    head.append(base.label, style="bold cyan")
    head.append(f" · {len(rows)} of {len(points)} points · {replications} replications each")
    head.append(f" · seed {seed}")
    paths = list(points[0].values) if points else []
    table = Table(
        show_edge=False,
        title=f"Best points for {kpi_label(kpi)} (mean and 95% CI)",
        title_justify="left",
    )
    for path in paths:
        table.add_column(path, justify="right")
    table.add_column(kpi_label(kpi), justify="right")
    for row in best_rows(rows, kpi):
        table.add_row(
            *(str(row[p]) for p in paths),
            interval(row[kpi], row.get(f"{kpi}_lo"), row.get(f"{kpi}_hi")),
        )
    parts = [head, OneLine(f"reproduce: {command}", style="dim"), "", fit(table)]
    if out:
        parts.append(f"wrote points.parquet, points.csv ({len(rows)} points) to {out}")
    return parts


def sensitivity_summary(result, command: str, rows: int | None = None) -> list:
    """Header, base KPI, and the tornado table: parameters by swing, largest first."""
    head = Text("fabsim sensitivity · ", style="bold")
    head.append(" vs ".join(result.lines), style="bold cyan")
    head.append(f" · {len(result.effects)} parameters · {result.replications} replications")
    head.append(f" · seed {result.seed}")
    two = len(result.lines) == 2
    what = (
        f"{kpi_label(result.kpi)}, {result.lines[1]} - {result.lines[0]}"
        if two
        else kpi_label(result.kpi)
    )
    base = result.base
    table = Table(
        show_edge=False,
        title=f"Tornado: {what} at each parameter's low and high",
        title_justify="left",
    )
    for column, justify in (
        ("parameter", "left"),
        ("low -> KPI", "right"),
        ("high -> KPI", "right"),
        ("swing", "right"),
    ):
        table.add_column(column, justify=justify)
    if two:
        table.add_column("flips?", justify="left")
    for effect in result.effects[:rows]:
        swing = effect.swing_ci
        noise = swing.low is not None and not swing.significant()
        cells = [
            effect.label,
            f"{effect.parameter.low} -> {with_ci(effect.low)}",
            f"{effect.parameter.high} -> {with_ci(effect.high)}",
            Text(number(effect.swing) + (" n.s." if noise else ""), style="dim" if noise else ""),
        ]
        if two:
            cells.append(Text("FLIPS", style="bold red") if effect.flips else "no")
        table.add_row(*cells)
    parts = [
        head,
        OneLine(f"reproduce: {command}", style="dim"),
        "",
        Text(f"Base {what}: {with_ci(base)}"),
        "",
        fit(table),
        Text(
            "swing = |at high - at low|, paired over replications with common random numbers; "
            "n.s. where the 95% CI of that difference contains zero; KPI as mean ± 95% CI."
            + (" FLIPS: at that bound the other line is significantly ahead." if two else ""),
            style="dim",
        ),
    ]
    return parts


def breakeven_summary(result, command: str) -> list:
    """What must change in line B for it to match line A, or how far it stays."""
    a, b = result.lines
    head = Text("fabsim breakeven · ", style="bold")
    head.append(f"{a} vs {b}", style="bold cyan")
    head.append(f" · vary {result.vary} · {result.replications} replications · seed {result.seed}")
    unit = f" {result.unit}" if result.unit else ""
    low, high = result.bounds
    what = kpi_label(result.kpi)
    if result.reachable:
        lo, hi = result.value_ci
        cut = [" (range end)" if c else "" for c in result.ci_cut]
        text = Text(
            f"{b} matches {a} on {what} at {result.vary} = {number(result.value, 4)}{unit} "
            f"(95% CI {number(lo, 4)}{unit}{cut[0]} to {number(hi, 4)}{unit}{cut[1]}), "
            f"searched {number(low, 4)} to {number(high, 4)}{unit}.",
            style="bold",
        )
    else:
        gap = result.gap_at_best
        text = Text(
            f"No value of {result.vary} in {number(low, 4)} to {number(high, 4)}{unit} makes "
            f"{b} match {a} on {what}. Closest at {number(result.best_value, 4)}{unit}: "
            f"{b} - {a} = {with_ci(gap)}.",
            style="bold",
        )
    table = Table(show_edge=False, title=f"Evaluated: {b} - {a} on {what}", title_justify="left")
    table.add_column(result.vary + unit.replace(" ", " in "), justify="right")
    table.add_column("gap (mean ± 95% CI)", justify="right")
    for value, gap in result.evaluated:
        table.add_row(number(value, 4), with_ci(gap))
    return [head, OneLine(f"reproduce: {command}", style="dim"), "", text, "", fit(table)]


def plan_summary(result, command: str, currency: str | None = None) -> list:
    """The plan: machines to add by step, what the planned line makes, or how many copies."""
    head = Text("fabsim plan · ", style="bold")
    head.append(result.line, style="bold cyan")
    head.append(f" · target {number(result.target_gwh)} GWh/yr (lower 95% bound)")
    head.append(f" · {result.evaluated} candidates simulated")
    parts = [head, OneLine(f"reproduce: {command}", style="dim"), ""]
    if not result.feasible:
        parts.append(
            Text(
                f"One line cannot reach {number(result.target_gwh)} GWh/yr within the machine "
                f"limit per step: plan {result.copies} parallel copies of the line "
                "(run plan again on one copy's share of the target).",
                style="bold red",
            )
        )
        return parts
    if not result.changes:
        parts.append(Text("The line as specified already reaches the target.", style="bold"))
    else:
        table = Table(show_edge=False, title="Machines to plan", title_justify="left")
        table.add_column("field")
        table.add_column("planned", justify="right")
        for path, count in result.changes.items():
            table.add_row(path, str(count))
        parts.append(fit(table))
        if result.added_capex is not None and currency:
            parts.append(Text(f"Added capex: {number(result.added_capex / 1e6)} M{currency}"))
    gwh = result.kpis["gwh_per_year"]
    low, high = gwh["ci95"]
    parts.append(
        Text(
            f"The planned line makes {number(gwh['mean'])} GWh/yr "
            f"(95% CI {number(low)} to {number(high)})."
        )
    )
    return parts
