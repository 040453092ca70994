"""``fabsim sweep``: run a line at many points and tabulate each point's KPIs with CIs.

All replications of all points are one pool of tasks; a point's row is
made the moment its last replication finishes and handed to ``on_point``
(the CLI writes it to disk at once), so an interruption loses no finished
point. Every point uses the same seed: its numbers are exactly those of
``fabsim run SPEC --set ... -n N --seed S``.

Example:
    >>> points = grid({"steps.stacking.machines": ["4", "6"]})       # doctest: +SKIP
    >>> rows = run_sweep(load_spec("three_step"), points, RunOptions(5, 1))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fabsim.analysis.kpis import BETTER, table_kpis
from fabsim.analysis.line_results import LineResults
from fabsim.analysis.variants import variant
from fabsim.experiment.options import RunOptions
from fabsim.experiment.points import Point
from fabsim.experiment.replications import Interrupted, finished_tasks
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.models import LineSpec
from fabsim.spec.overrides import field_path
from fabsim.spec.range_check import value_at


def point_row(point: Point, results: LineResults, kpis: Sequence[str]) -> dict:
    """One row of the points table: the swept values, then ``KPI``, ``KPI_lo``, ``KPI_hi``.

    Values that read as numbers are numbers (``6``, ``0.95``); values with a
    unit stay text (``"45 s"``).
    """
    row: dict = {path: cell_value(value) for path, value in point.values.items()}
    for kpi in kpis:
        estimate = results.kpi(kpi)
        row[kpi] = estimate.mean
        row[f"{kpi}_lo"] = estimate.low
        row[f"{kpi}_hi"] = estimate.high
    return row


def cell_value(value: str) -> object:
    """``"6"`` -> 6, ``"0.95"`` -> 0.95, ``"45 s"`` stays text."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def point_specs(base: LineSpec, points: Sequence[Point]) -> list[LineSpec]:
    """Each point's line, validated before anything runs (every problem at once)."""
    specs, problems = [], []
    for point in points:
        try:
            specs.append(variant(base, point.overrides))
        except SpecError as error:
            problems += error.problems
    if problems:
        raise SpecError(problems)
    return specs


def run_sweep(
    base: LineSpec,
    points: Sequence[Point],
    options: RunOptions,
    on_point: Callable[[Point, dict], None] | None = None,
    progress: Callable[[object], None] | None = None,
) -> list[dict]:
    """Run every point; return the rows in point order (and pass each to ``on_point``).

    Ctrl-C raises :class:`~fabsim.experiment.replications.Interrupted`
    counting the points finished.
    """
    specs = point_specs(base, points)
    kpis = table_kpis(base)
    tasks = options.tasks(specs)
    replications, seed = options.replications, options.seed
    pending: dict[int, list] = {i: [] for i in range(len(points))}
    rows: dict[int, dict] = {}
    try:
        for index, result in finished_tasks(tasks, options.workers, options.scheduler):
            at = index // replications
            pending[at].append(result)
            if progress:
                progress(result)
            if len(pending[at]) == replications:
                runs = sorted(pending.pop(at), key=lambda r: r.replication)
                results = LineResults(specs[at], runs, seed)
                rows[at] = point_row(points[at], results, kpis)
                if on_point:
                    on_point(points[at], rows[at])
    except KeyboardInterrupt:
        raise Interrupted(len(rows), len(points)) from None
    return [rows[i] for i in sorted(rows)]


def best_rows(rows: Sequence[dict], kpi: str, count: int = 5) -> list[dict]:
    """The ``count`` best rows for ``kpi`` (highest, or lowest where less is better)."""
    sign = BETTER.get(kpi, 1) or 1
    ranked = [r for r in rows if r.get(kpi) is not None and r[kpi] == r[kpi]]
    return sorted(ranked, key=lambda r: -sign * r[kpi])[:count]


def range_bounds(spec: LineSpec, ramps: bool = False) -> dict[str, tuple[object, object]]:
    """Every ``ranges:`` entry of the line, by its ``--set`` path, bounds as written.

    Ramp entries only with ``ramps``: only ``fabsim rampup`` applies ramps,
    so a sweep or sensitivity study of them would change nothing.

    Example:
        >>> range_bounds(load_spec("three_step"))               # doctest: +SKIP
        {'steps.stacking.yield': (0.95, 0.99), 'steps.stacking.machines': (4, 8)}
    """
    bounds = {
        f"steps.{step_id}.{field}": tuple(bounds)
        for step_id, step in spec.steps.items()
        for field, bounds in step.ranges.items()
        if ramps or not field.startswith("ramp.")
    }
    bounds.update({path: tuple(b) for path, b in spec.ranges.items()})
    return bounds


def sweep_points(
    base: LineSpec, sets: Sequence[str], sample: int | None = None, seed: int = 1
) -> list[Point]:
    """The points of a sweep: the grid of ``--set PATH=VALUES``, or ``sample`` LHS points.

    Raises :class:`SpecError` for a malformed ``--set`` or nothing to sweep.
    """
    from fabsim.experiment.points import grid, latin_hypercube, sweep_values

    if sample is not None:
        if sets:
            raise SpecError(
                [Problem("--sample", None, "", "samples the spec's ranges: give --set or --sample")]
            )
        bounds = range_bounds(base)
        if not bounds:
            raise SpecError(
                [Problem(base.label, None, "", "has no ranges: entries for --sample to draw from")]
            )
        try:
            return latin_hypercube(bounds, sample, seed, whole_fields(base, bounds))
        except ValueError as error:
            raise SpecError([Problem("--sample", None, "", str(error))]) from None
    if not sets:
        raise SpecError([Problem("sweep", None, "", "give --set PATH=VALUES (or --sample N)")])
    axes: dict[str, list[str]] = {}
    for text in sets:
        path, sep, values = text.partition("=")
        where = f"--set {text}"
        if not sep or not path.strip():
            raise SpecError(
                [
                    Problem(
                        where, None, "", "expected PATH=VALUES, e.g. steps.stacking.machines=4,6,8"
                    )
                ]
            )
        if path.strip() in axes:
            raise SpecError([Problem(where, None, path.strip(), "is swept twice; give it once")])
        try:
            axes[path.strip()] = sweep_values(values)
        except ValueError as error:
            raise SpecError([Problem(where, None, path.strip(), str(error))]) from None
    try:
        return grid(axes)
    except ValueError as error:
        raise SpecError([Problem("sweep", None, "", str(error))]) from None


def whole_fields(spec: LineSpec, paths) -> set[str]:
    """The paths whose field counts (machines, batch sizes, uses): its value is an int.

    Example:
        >>> whole_fields(load_spec("three_step"), ["steps.stacking.machines"])  # doctest: +SKIP
        {'steps.stacking.machines'}
    """
    found = set()
    for path in paths:
        try:
            value = value_at(spec, field_path(path))
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(path)
    return found
