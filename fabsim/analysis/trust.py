"""Warnings for runs whose numbers cannot be trusted as they stand.

A planner quotes what fabsim prints; these checks say when not to: a
warm-up shorter than the time a unit needs to cross the line (statistics
start on a line still filling, so rates and yields come out low), a window
shorter than that time or one that finished nothing, too few replications
for a stable interval. The MSER-5 rule (White, 1997; Franklin and White,
2008) suggests a warm-up from the good output over time.

Example (four batches of five empty bins, then steady output: drop 20 bins):
    >>> mser_truncation([0, 0, 0, 0, 0] * 4 + [10, 11, 9, 10, 10] * 16, batch=5)
    20
"""

from __future__ import annotations

import math

from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

MIN_REPLICATIONS = 3


def processing_time(spec: LineSpec, flow: Flow | None = None) -> float:
    """Hours a unit needs at least to cross the line: the longest path of mean cycles.

    A lot's units are worked one after another, so its cycle counts once per
    unit in the lot; a batch counts one cycle. No waiting is included: the
    true lead time is longer.
    """
    flow = flow or Flow(spec)
    longest: dict[str, float] = {}
    for step_id in flow.order:
        step = spec.steps[step_id]
        before = max(
            (longest[m] for item in step.uses for m in flow.makers.get(item, [])),
            default=0.0,
        )
        longest[step_id] = before + step.cycle.mean_hours * (step.lot or 1)
    return max((longest[m] for m in flow.makers.get(spec.product.item, [])), default=0.0)


def mser_truncation(series: list[float], batch: int = 5) -> int:
    """MSER-5: how many leading bins to drop so the rest has the least squared error.

    Bins are grouped in batches of ``batch``; the rule minimises
    Var(rest) / len(rest) over truncations of at most half the batches.
    Returns the number of bins to drop.
    """
    means = [sum(series[i : i + batch]) / batch for i in range(0, len(series) - batch + 1, batch)]
    n = len(means)
    if n < 4:
        return 0
    best, best_d = math.inf, 0
    for d in range(n // 2 + 1):
        rest = means[d:]
        mean = sum(rest) / len(rest)
        statistic = sum((x - mean) ** 2 for x in rest) / len(rest) ** 2
        if statistic < best - 1e-12:
            best, best_d = statistic, d
    return best_d * batch


def suggested_warmup(runs) -> float | None:
    """MSER-5 warm-up in hours (the largest over replications), from their output series."""
    found = []
    for run in runs:
        if not run.series or not run.series_h:
            continue
        found.append(mser_truncation(run.series) * run.series_h)
    return max(found) if found else None


def still_settling(runs, warmup: float, suggestion: float) -> bool:
    """Whether output between ``warmup`` and ``suggestion`` differs materially (> 5%).

    MSER on a line already in steady state still picks some truncation; it
    matters only when the bins it would drop were off the steady level.
    """
    early = late = 0.0
    for run in runs:
        if not run.series_h:
            continue
        first = int(warmup / run.series_h)
        cut = max(first + 1, int(round(suggestion / run.series_h)))
        early += sum(run.series[first:cut]) / max(1, cut - first)
        late += sum(run.series[cut:]) / max(1, len(run.series) - cut)
    return late > 0 and abs(early - late) / late > 0.05


def _at_least(hours: float) -> str:
    """A round duration not shorter than ``hours``, as a planner would type it."""
    if hours > 48:
        return f"{math.ceil(hours / 24)} d"
    if hours > 2:
        return f"{math.ceil(hours)} h"
    return f"{math.ceil(hours * 60)} min"


def run_warnings(results) -> list[str]:
    """Plain-language warnings for one line's results (empty when all is well)."""
    warnings = []
    spec, warmup, horizon = results.spec, results.warmup_h, results.horizon_h
    lead = results.kpi("lead_time_h").mean
    crossing = processing_time(spec, results.flow)
    known = max(x for x in (lead, crossing) if x is not None and not math.isnan(x))
    finished = sum(r.finished for r in results.runs)
    if finished == 0:
        warnings.append(
            f"No finished unit in the {horizon:g} h window: a unit needs at least "
            f"{crossing:g} h to cross this line. Every rate and yield here is empty; "
            "run longer (--horizon) after a warm-up of at least that."
        )
    elif warmup < known and known > 0.01 * horizon:
        # A fill-up shorter than 1% of the window cannot bias it noticeably.
        warnings.append(
            f"The warm-up ({warmup:g} h) is shorter than the line's lead time "
            f"(~{known:.3g} h): statistics start before the line is full, so rates and "
            f"yields come out low. Use --warmup {_at_least(known)} or more."
        )
    if finished and horizon < known:
        warnings.append(
            f"The window ({horizon:g} h) is shorter than the line's lead time "
            f"(~{known:.3g} h): few units cross it from start to finish, and batch "
            "releases weigh heavily. Use a longer --horizon."
        )
    suggestion = suggested_warmup(results.runs)
    if (
        finished
        and suggestion is not None
        and suggestion > max(warmup * 1.25, 0.01 * horizon)
        and still_settling(results.runs, warmup, suggestion)
    ):
        warnings.append(
            f"Good output is still settling after the warm-up: the MSER-5 rule on output "
            f"over time suggests a warm-up of about {suggestion:.3g} h (this run used "
            f"{warmup:g} h)."
        )
    if results.replications < MIN_REPLICATIONS:
        warnings.append(
            f"Only {results.replications} replication"
            f"{'' if results.replications == 1 else 's'}: "
            + (
                "no confidence interval. One run is an anecdote;"
                if results.replications == 1
                else "the 95% interval rests on one degree of freedom and is very wide;"
            )
            + f" use -n {max(5, MIN_REPLICATIONS)} or more."
        )
    return warnings
