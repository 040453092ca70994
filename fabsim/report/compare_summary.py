"""The terminal summary of ``fabsim compare``: KPIs side by side, processes, verdict.

Colour marks direction and significance, but every mark is also a symbol
and a word (▲/▼, "significant"/"n.s."), so plain terminals and ``NO_COLOR``
read the same.

Example:
    >>> Console().print(*compare_summary(comparison))   # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from fabsim.analysis.comparison import Comparison
from fabsim.analysis.kpis import COST_KPIS, KPIS, LINE_KPIS
from fabsim.analysis.stats import Estimate
from fabsim.report.format import WIDE, abbreviate, fit, fits, number, percent, with_ci
from fabsim.report.run_summary import (
    LOSS_LABELS,
    format_kpi,
    has_phenomena,
    header,
    reproduce,
)


def rows_of(names, currency: str | None = None) -> list[tuple[str, str, str, int]]:
    """(label, kpi, kind, better) from the KPI registry; unit counts are neutral
    here: lines of different cells are judged on energy."""
    return [
        (
            KPIS[n].label_in(currency),
            n,
            KPIS[n].kind,
            KPIS[n].better if KPIS[n].across_cells else 0,
        )
        for n in KPIS
        if n in names
    ]


ROWS = tuple(rows_of(LINE_KPIS))


def difference_cell(diff: Estimate, kind: str, better: int, short: bool = False) -> Text:
    """``-12.3 ± 2.1 ▼ significant``, coloured by whether the change is good.

    ``short`` (narrow terminals) puts the mark on a line of its own and
    writes ``sig.``; the arrow and the word stay.
    """
    if diff.mean is None:
        return Text("–")
    if kind == "percent":
        text = f"{diff.mean * 100:+.1f} pt"
        if diff.half_width is not None:
            text += f" ± {diff.half_width * 100:.1f}"
    else:
        text = with_ci(diff)
        if diff.mean > 0:
            text = "+" + text
    if diff.low is None:
        return Text(text + "  (no CI)")
    arrow = "▲" if diff.mean > 0 else "▼"
    gap = "\n" if short else "  "
    if not diff.significant():
        return Text(f"{text}{gap}≈ n.s.", style="dim")
    style = "" if better == 0 else ("green" if diff.mean * better > 0 else "red")
    return Text(f"{text}{gap}{arrow} {'sig.' if short else 'significant'}", style=style)


def _difference_header(comparison: Comparison, name: str, width: int) -> str:
    if width >= WIDE:
        return f"{name} − {comparison.baseline}"
    if len(comparison.names) == 2:
        return f"difference vs {comparison.baseline}"
    return f"{name} − {comparison.baseline}"


def _lines_table(
    comparison: Comparison,
    width: int,
    title: str,
    first: str,
    rows: list[tuple[str, list[str], list]],
    footer: list[str] | None = None,
) -> Table:
    """Lines side by side, each KPI row with its paired differences.

    ``rows`` holds (label, one cell per line, (difference, kind, better) per
    other line). When side by side would cut a number (many lines, long
    names), the table gives one row per line instead.
    """
    table = Table(show_edge=False, title=title, title_justify="left")
    table.add_column(first)
    for name in comparison.names:
        table.add_column(name, justify="right")
    for name in comparison.names[1:]:
        table.add_column(_difference_header(comparison, name, width), justify="right")
    for label, cells, diffs in rows:
        table.add_row(label, *cells, *(difference_cell(*d, short=width < WIDE) for d in diffs))
    if footer:
        table.add_row(*footer)
    if fits(fit(table), width):
        return table
    long = Table(show_edge=False, title=title, title_justify="left")
    for column, justify in ((first, "left"), ("line", "left"), ("mean ± 95% CI", "right")):
        long.add_column(column, justify=justify)
    long.add_column(f"difference vs {comparison.baseline}", justify="right")
    for label, cells, diffs in rows:
        for i, name in enumerate(comparison.names):
            diff = difference_cell(*diffs[i - 1], short=True) if i else ""
            long.add_row(label if i == 0 else "", name, cells[i], diff)
    if footer:  # e.g. each line's bottleneck
        for i, name in enumerate(comparison.names):
            long.add_row(footer[0] if i == 0 else "", name, footer[1 + i], "")
    return fit(long)


def kpi_table(comparison: Comparison, width: int = WIDE) -> Table:
    """Lines side by side; when they cannot fit (many lines, long names), one row per line."""
    shown = list(ROWS)
    if comparison.currency:
        shown += rows_of(COST_KPIS, comparison.currency)
    rows = [
        (
            label,
            [format_kpi(comparison.lines[n], key, kind) for n in comparison.names],
            [(comparison.difference(key, n), kind, better) for n in comparison.names[1:]],
        )
        for label, key, kind, better in shown
    ]
    footer = None
    if width >= WIDE:
        bottlenecks = [comparison.lines[name].bottleneck_text for name in comparison.names]
        footer = ["Bottleneck", *bottlenecks, *[""] * (len(comparison.names) - 1)]
    title = "Line KPIs (mean ± 95% CI; differences paired)"
    return _lines_table(comparison, width, title, "", rows, footer)


def bottleneck_lines(comparison: Comparison) -> Text:
    """Each line's bottleneck, for terminals too narrow to hold it in the KPI table."""
    return Text(
        "Bottleneck: "
        + "; ".join(f"{n}: {comparison.lines[n].bottleneck_text}" for n in comparison.names)
    )


def process_table(comparison: Comparison, width: int = WIDE) -> Table:
    table = Table(
        show_edge=False,
        title="By process (" + " | ".join(comparison.names) + ")",
        title_justify="left",
    )
    wide = width >= WIDE
    headers = (
        ("process", "capacity/h", "yield", "utilization", "share of scrap", "bottleneck")
        if wide
        else ("process", "cap./h", "yield", "scrap")  # utilization and bottleneck: wide only
    )
    for column in headers:
        table.add_column(column, justify="left" if column == "process" else "right")
    for tag in comparison.processes:
        views = [comparison.process(name, tag) for name in comparison.names]

        def cells(value, fmt, views=views):
            return " | ".join("–" if v is None else fmt(value(v)) for v in views)

        row = [
            abbreviate(tag, wide),
            cells(lambda v: v.capacity_per_h, number),
            cells(lambda v: v.yield_, lambda x: percent(x, 1)),
            cells(lambda v: v.utilization, lambda x: percent(x, 0)),
            cells(lambda v: v.scrap_share, lambda x: percent(x, 0)),
            cells(lambda v: v.bottleneck_share, lambda x: percent(x, 0)),
        ]
        table.add_row(*(row if wide else [row[0], row[1], row[2], row[4]]))
    if not wide:
        table.caption = f"(utilization and bottleneck share from {WIDE} columns, or in --json)"
    if fits(fit(table), width):
        return table
    return _process_table_by_line(comparison, width)


def _process_table_by_line(comparison: Comparison, width: int) -> Table:
    """The by-process table with one row per line, for many lines or narrow terminals."""
    table = Table(show_edge=False, title="By process", title_justify="left")
    for column in ("process", "line", "cap./h", "yield", "scrap"):
        table.add_column(column, justify="left" if column in ("process", "line") else "right")
    for tag in comparison.processes:
        first = True
        for name in comparison.names:
            view = comparison.process(name, tag)
            if view is None:
                continue
            table.add_row(
                abbreviate(tag, width >= WIDE) if first else "",
                name,
                number(view.capacity_per_h),
                percent(view.yield_, 1),
                percent(view.scrap_share, 0),
            )
            first = False
    return fit(table)


def loss_table(comparison: Comparison, width: int = WIDE) -> Table:
    """Good units/h each line loses to each phenomenon, side by side, with the paired difference."""
    rows = [
        (
            label,
            [with_ci(comparison.lines[n].kpi(f"loss.{kind}")) for n in comparison.names],
            [
                (comparison.difference(f"loss.{kind}", n), "number", -1)
                for n in comparison.names[1:]
            ],
        )
        for kind, label in LOSS_LABELS.items()
    ]
    title = "Where output goes (good units/h lost, estimated at each line's bottleneck)"
    return _lines_table(comparison, width, title, "lost to", rows)


def equipment_table(comparison: Comparison, width: int = WIDE) -> Table:
    """What each line needs, by process: machines and capex (when costs are given)."""
    currency = comparison.currency
    table = Table(
        show_edge=False,
        title="Equipment by process (" + " | ".join(comparison.names) + ")",
        title_justify="left",
    )
    table.add_column("process")
    table.add_column("machines", justify="right")
    if currency:
        table.add_column(f"capex ({currency})", justify="right")
    rows = comparison.equipment()
    machines = [[str(r["machines"][n] or "–") for n in comparison.names] for r in rows]
    capex = [[_capex(r["capex"][n], currency) for n in comparison.names] for r in rows]
    totals = [sum(r["capex"][n] or 0.0 for r in rows) for n in comparison.names]
    capex_total = [_capex(t, currency) for t in totals]
    for index, row in enumerate(rows):
        cells = [abbreviate(row["process"], width >= WIDE), _aligned(machines, index)]
        if currency:
            cells.append(_aligned([*capex, capex_total], index))
        table.add_row(*cells)
    if currency:
        table.add_row("total", "", _aligned([*capex, capex_total], len(rows)))
    return fit(table)


def _aligned(columns: list[list[str]], index: int) -> str:
    """Row ``index`` of side-by-side values, each line's value padded to its widest."""
    widths = [max(len(row[i]) for row in columns) for i in range(len(columns[0]))]
    return " | ".join(value.rjust(w) for value, w in zip(columns[index], widths, strict=True))


def _capex(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    return number(value / 1e6) + "M" if value else "0"


def scaling_notes(comparison: Comparison) -> list[Text]:
    """What ``--equal`` scaled, line by line (nothing when it was not asked for)."""
    if not comparison.scaling:
        return []
    return [
        Text(f"--equal {comparison.equal}: {text}", style="bold yellow")
        for text in comparison.scaling.values()
    ]


def notes() -> Text:
    return Text(
        "capacity/h: good finished units per hour the process's weakest step could "
        "support alone (nameplate, after breakdowns and downstream yields). yield: "
        "product of its steps' realized yields. share of scrap: of all scrap, in "
        "finished-unit equivalents. Differences are paired over replications that "
        "share random numbers (common random numbers).",
        style="dim",
    )


def verdict(comparison: Comparison) -> Text:
    on = "good GWh/yr and cost per good kWh" if comparison.currency else "good GWh/yr"
    text = Text(f"Verdict (on {on}): ", style="bold")
    text.append(" ".join(comparison.verdict()))
    return text


def compare_summary(comparison: Comparison, width: int = WIDE) -> list:
    """Everything ``fabsim compare`` prints, in order, for ``width`` columns."""
    first = comparison.lines[comparison.baseline]
    return [
        header("compare", list(comparison.lines.values()), first.seed, comparison.names),
        reproduce(comparison.command),
        *scaling_notes(comparison),
        "",
        kpi_table(comparison, width),
        *([] if width >= WIDE else [bottleneck_lines(comparison)]),
        "",
        process_table(comparison, width),
        notes(),
        "",
        equipment_table(comparison, width),
        *(
            ["", loss_table(comparison, width)]
            if any(has_phenomena(r.spec) for r in comparison.lines.values())
            else []
        ),
        "",
        verdict(comparison),
        *[
            Text(f"Warning ({name}): {warning}", style="bold yellow")
            for name, r in comparison.lines.items()
            for warning in r.warnings
        ],
        *[
            Text(f"Bottleneck of {name}: {r.bottleneck_note}", style="yellow")
            for name, r in comparison.lines.items()
            if r.bottleneck_note
        ],
    ]
