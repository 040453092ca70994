"""The terminal summary of ``fabsim rampup``: weekly output against the mature rate.

Example:
    >>> Console().print(*rampup_summary(results))   # doctest: +SKIP
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from fabsim.analysis.rampup import TARGET, RampupResults
from fabsim.analysis.stats import estimate
from fabsim.report.format import duration, number, percent, with_ci


def rampup_summary(results: RampupResults) -> list:
    """Header, the weekly table, and the time to 90% of the mature rate."""
    mature = results.mature_rate()
    header = Text(
        f"fabsim rampup · {results.line} · {len(results.new)} replications · "
        f"{results.weeks} weeks from empty · seed {results.seed}",
        style="bold",
    )
    table = Table(show_edge=False, title="Good output per week (new line)", title_justify="left")
    for name in ("week", "good units ± 95% CI", "units/h", "of mature"):
        table.add_column(name, justify="right")
    for number_ in range(1, results.weeks + 1):
        good = results.week(number_)
        rate = results.week_rate(number_)
        share = (rate.mean / mature.mean) if mature.mean else None
        table.add_row(str(number_), with_ci(good), number(rate.mean), percent(share, 0))
    times, total = results.time_to_target(), len(results.new)
    if len(times) == total:
        reached = estimate(times)
        verdict = (
            f"Time to {TARGET:.0%} of the mature rate: {with_ci(reached)} h "
            f"(about {duration(reached.mean)})"
        )
    else:
        verdict = (
            f"{TARGET:.0%} of the mature rate was reached in {len(times)} of {total} "
            "replications within the horizon; follow the line longer (--horizon)."
        )
    return [
        header,
        f"Mature rate (no ramps, after warm-up): {with_ci(mature)} good units/h",
        "",
        table,
        Text(verdict, style="bold"),
    ]
