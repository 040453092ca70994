"""The cost part of the terminal summaries: cost per kWh and its parts, capex, scrap value.

Shown only for lines with ``costs:``. Money is in the line's currency;
annual figures are the window's, scaled to 8,760 h (as GWh/yr is).

Example:
    >>> Console().print(cost_table(results))      # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table

from fabsim.analysis.cost import PARTS
from fabsim.analysis.line_results import LineResults
from fabsim.report.format import fit, number, with_ci

PART_LABELS = {
    "materials": "materials",
    "capital": "capital (capex x capital recovery factor)",
    "labour": "labour",
    "energy": "energy (electricity)",
    "building": "building and dry room",
}


def money(value: float, currency: str) -> str:
    """``12.3 MUSD``, ``450 kUSD`` or ``12.27 USD``: money at a readable scale.

    Example:
        >>> money(1.234e7, "USD"), money(4.5e5, "USD"), money(12.27, "USD")
        ('12.3 MUSD', '450 kUSD', '12.3 USD')
    """
    for scale, prefix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{number(value / scale)} {prefix}{currency}"
    return f"{number(value)} {currency}"


def cost_table(results: LineResults) -> Table:
    """Cost per good kWh and per good unit with 95% CIs, its parts, capex, scrap value."""
    currency = results.spec.costs.currency
    cost = results.cost_dict()
    table = Table(
        show_edge=False,
        title=f"Cost ({currency}; mean ± 95% CI over replications)",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("mean ± 95% CI", justify="right")
    table.add_row(f"Cost per good kWh ({currency}/kWh)", with_ci(results.kpi("cost_per_kwh")))
    for part in PARTS:
        table.add_row(f"  {PART_LABELS[part]}", with_ci(results.kpi(f"cost.{part}")))
    table.add_row(f"Cost per good unit ({currency})", with_ci(results.kpi("cost_per_good_unit")))
    table.add_row("Cost a year", _money_ci(results, "cost.per_year", currency))
    table.add_row("Capex (equipment)", money(cost["capex_total"], currency))
    table.add_row("Scrap value a year", _money_ci(results, "scrap_value", currency))
    return fit(table)


def scrap_value_table(results: LineResults, rows: int = 6) -> Table:
    """Where scrap costs most: value lost a year and the value of one scrapped unit, by step."""
    currency = results.spec.costs.currency
    table = Table(
        show_edge=False,
        title=f"Scrap value by step (largest first; {currency} a year)",
        title_justify="left",
    )
    for column, justify in (("step", "left"), ("a year", "right"), ("one unit", "right")):
        table.add_column(column, justify=justify)
    table.add_column("unit", justify="left")
    values = {s: results.kpi(f"scrap_value.{s}") for s in results.flow.order}
    ranked = sorted(values, key=lambda s: -(values[s].mean or 0.0))
    for step_id in ranked[:rows]:
        if not values[step_id].mean:
            continue
        item = results.spec.steps[step_id].output
        table.add_row(
            step_id,
            _money_estimate(values[step_id], currency),
            money(results.kpi(f"unit_value.{item}").mean or 0.0, currency),
            item,
        )
    return fit(table)


def _money_ci(results: LineResults, key: str, currency: str) -> str:
    return _money_estimate(results.kpi(key), currency)


def _money_estimate(estimate, currency: str) -> str:
    if estimate.mean is None:
        return "–"
    text = money(estimate.mean, currency)
    if estimate.half_width is None:
        return text
    return f"{text} ± {money(estimate.half_width, currency)}"
