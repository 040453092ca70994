"""The public Python API: load a spec, simulate it, get results objects.

Example:
    >>> import fabsim                                                  # doctest: +SKIP
    >>> results = fabsim.simulate("three_step", replications=4, seed=7)  # doctest: +SKIP
    >>> results.to_dict()["kpis"]["good_rate_per_h"]["mean"] > 0         # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fabsim.experiment.limits import check_run_size
from fabsim.experiment.replications import Progress, run_replications
from fabsim.spec.errors import Problem, SpecError
from fabsim.spec.loading import load_spec as _load_spec
from fabsim.spec.models import LineSpec

if TYPE_CHECKING:
    from fabsim.analysis.comparison import Comparison
    from fabsim.analysis.line_results import LineResults
    from fabsim.analysis.rampup import RampupResults

# The analysis modules (and the runners of comparisons and ramp-ups) are
# imported where used: a run's first event need not wait for them.


def load_spec(path: str, overrides: Sequence[str] = (), scenario: str = "") -> LineSpec:
    """Load a spec file (or a shipped line by name) with ``--set``-style overrides.

    Example: ``load_spec("semi_solid", overrides=["steps.stacking.machines=6"])``;
    ``load_spec("all_solid_sulfide@pilot_2026")`` or ``scenario="pilot_2026"``
    applies one of the file's scenarios first. Raises :class:`fabsim.SpecError`
    naming file, line and field on bad input.
    """
    return _load_spec(path, overrides, scenario)


def cell_design(spec: LineSpec | str):
    """The cell design a spec's ``cell:`` block implies (None without one).

    Example: ``cell_design("all_solid_sulfide").energy_wh``.
    """
    from fabsim.spec.cell_design import design_of

    spec = load_spec(spec) if isinstance(spec, str) else spec
    return design_of(spec.cell) if spec.cell is not None else None


def simulate(
    spec: LineSpec | str,
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> LineResults:
    """Run ``replications`` of a line and return its :class:`LineResults`.

    ``horizon`` and ``warmup`` are in hours (default: the spec's ``run``
    block). ``workers`` local processes share the replications (default:
    all cores); ``scheduler`` may send them to Dask instead (``dask-local``
    or ``tcp://HOST:PORT``). The numbers are the same whatever runs them.
    """
    if isinstance(spec, str):
        spec = load_spec(spec)
    replications, seed = _settled([spec], replications, seed, horizon, warmup)
    runs = run_replications(spec, replications, seed, horizon, warmup, workers, progress, scheduler)
    from fabsim.analysis.line_results import LineResults

    return LineResults(spec, runs, seed)


def compare(
    specs: Sequence[LineSpec | str],
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    equal: str | None = None,
    scheduler: str = "processes",
) -> Comparison:
    """Run several lines with the same seeds and compare them to the first.

    Lines are keyed by file name (``semi_solid``); replications default to
    the largest in their specs, the seed to the first spec's. ``equal``
    (``"capex"`` or ``"output"``) first scales every other line by parallel
    copies to the first line's capex or nameplate output; a line that cannot
    be scaled raises :class:`fabsim.SpecError`.

    Example:
        >>> lines = ["semi_solid", "all_solid_sulfide"]
        >>> comparison = compare(lines, replications=5)   # doctest: +SKIP
        >>> comparison.verdict()[0]                       # doctest: +SKIP
    """
    loaded = [load_spec(s) if isinstance(s, str) else s for s in specs]
    scaling = None
    if equal is not None:
        from fabsim.analysis.equalize import equalize

        try:
            loaded, scaling = equalize(loaded, equal)
        except ValueError as error:
            raise SpecError([Problem(f"--equal {equal}", None, "", str(error))]) from None
    replications, seed = _settled(loaded, replications, seed, horizon, warmup)
    from fabsim.experiment.comparison import run_lines

    runs = run_lines(loaded, replications, seed, horizon, warmup, workers, progress, scheduler)
    from fabsim.analysis.comparison import Comparison
    from fabsim.analysis.line_results import LineResults

    lines: dict[str, LineResults] = {}
    for spec, line_runs in zip(loaded, runs, strict=True):
        key = line_key(spec, lines)
        lines[key] = LineResults(spec, line_runs, seed)
    comparison = Comparison(lines)
    comparison.equal, comparison.scaling = equal, scaling
    return comparison


def rampup(
    spec: LineSpec | str,
    replications: int | None = None,
    seed: int | None = None,
    horizon: float = 26 * 168.0,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> RampupResults:
    """Run a new line from empty with its ``ramp`` curves; weekly output against mature.

    ``horizon`` in hours (rounded up to whole weeks). Each replication also
    runs mature (no ramps, the spec's warm-up and window) for the target.

    Example:
        >>> results = rampup("all_solid_sulfide", replications=3)   # doctest: +SKIP
        >>> results.to_dict()["time_to_90pct_h"]["mean"]           # doctest: +SKIP
    """
    if isinstance(spec, str):
        spec = load_spec(spec)
    replications = replications_for([spec], replications)
    seed = spec.run.seed if seed is None else seed
    check_run_size(spec, replications, horizon, 0.0)
    check_run_size(spec, replications, None, None)
    from fabsim.experiment.rampup import run_rampup

    new, mature = run_rampup(spec, replications, seed, horizon, workers, progress, scheduler)
    from fabsim.analysis.rampup import RampupResults

    return RampupResults(spec.label, new, mature, seed)


def _settled(
    specs: Sequence[LineSpec],
    replications: int | None,
    seed: int | None,
    horizon: float | None,
    warmup: float | None,
) -> tuple[int, int]:
    """Replications and seed as run (the specs' own when not given), within the run limits."""
    replications = replications_for(specs, replications)
    for spec in specs:
        check_run_size(spec, replications, horizon, warmup)
    return replications, specs[0].run.seed if seed is None else seed


def _options(
    specs: Sequence[LineSpec],
    replications: int | None,
    seed: int | None,
    horizon: float | None,
    warmup: float | None,
    workers: int | None,
    scheduler: str,
):
    """The :class:`RunOptions` every candidate of an experiment runs with."""
    from fabsim.experiment.options import RunOptions

    replications, seed = _settled(specs, replications, seed, horizon, warmup)
    return RunOptions(replications, seed, horizon, warmup, workers, scheduler)


def line_key(spec: LineSpec, taken: dict) -> str:
    """A unique name for a line in a comparison: its short name, numbered if repeated."""
    key, number = spec.label, 2
    while key in taken:
        key = f"{spec.label} ({number})"
        number += 1
    return key


def replications_for(specs: Sequence[LineSpec], replications: int | None) -> int:
    """The replications to run: as asked, else the largest in the specs' ``run`` blocks."""
    return max(s.run.replications for s in specs) if replications is None else replications


def sweep_plan(
    base: LineSpec, sets: Sequence[str] = (), sample: int | None = None, seed: int | None = None
):
    """The points :func:`sweep` would run (the grid, or the LHS sample for ``seed``)."""
    from fabsim.analysis.sweep import sweep_points

    return sweep_points(base, sets, sample, base.run.seed if seed is None else seed)


def sweep(
    spec: LineSpec | str,
    sets: Sequence[str] = (),
    sample: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    scheduler: str = "processes",
    on_point=None,
    skip: set[int] = frozenset(),
    progress: Progress | None = None,
):
    """Run a line at every point of a grid (``sets``: ``PATH=VALUES``) or of an LHS sample.

    Returns ``(points, rows)``: each finished point's row of KPI means and
    95% CIs, in point order. ``on_point(point, row)`` is called as each point
    finishes; ``skip`` holds indexes of points already done (``--resume``).

    Example:
        >>> points, rows = sweep("three_step", ["steps.stacking.machines=4,6"], replications=3)
        ...                                                        # doctest: +SKIP
    """
    from fabsim.analysis.sweep import run_sweep

    base = load_spec(spec) if isinstance(spec, str) else spec
    points = sweep_plan(base, sets, sample, seed)
    options = _options([base], replications, seed, horizon, warmup, workers, scheduler)
    todo = [p for p in points if p.index not in skip]
    rows = run_sweep(base, todo, options, on_point, progress)
    return points, rows


def sensitivity(
    specs: LineSpec | str | Sequence[LineSpec | str],
    kpi: str = "gwh_per_year",
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    scheduler: str = "processes",
    only: Sequence[str] = (),
    progress: Progress | None = None,
):
    """One-at-a-time low/high runs over the ``ranges:`` of one line (or two: on their difference).

    Returns :class:`~fabsim.analysis.sensitivity.SensitivityResults`, effects
    ranked by swing.

    Example:
        >>> sensitivity("three_step", replications=3).effects[0].label    # doctest: +SKIP
    """
    from fabsim.analysis.kpis import check_kpi
    from fabsim.analysis.sensitivity import run_sensitivity

    if isinstance(specs, LineSpec | str):
        specs = [specs]
    loaded = [load_spec(s) if isinstance(s, str) else s for s in specs]
    check_kpi(loaded, kpi)
    options = _options(loaded, replications, seed, horizon, warmup, workers, scheduler)
    return run_sensitivity(loaded, kpi, options, only, progress)


def breakeven(
    line_a: LineSpec | str,
    line_b: LineSpec | str,
    vary: str,
    between: tuple[object, object] | None = None,
    kpi: str = "gwh_per_year",
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    scheduler: str = "processes",
    iterations: int = 8,
    progress: Progress | None = None,
):
    """The value of ``vary`` (a path in line B) at which B matches A on ``kpi``, with a 95% CI.

    ``between`` overrides B's ``ranges:`` entry for the path (bounds as
    written: ``("40 s", "120 s")``). Returns
    :class:`~fabsim.analysis.breakeven.BreakevenResults`.

    Example:
        >>> breakeven("semi_solid", "all_solid_sulfide", "steps.stacking.cycle.mean",
        ...           replications=3).reachable                      # doctest: +SKIP
    """
    from fabsim.analysis.breakeven import run_breakeven
    from fabsim.analysis.kpis import check_kpi

    a = load_spec(line_a) if isinstance(line_a, str) else line_a
    b = load_spec(line_b) if isinstance(line_b, str) else line_b
    check_kpi([a, b], kpi)
    options = _options([a, b], replications, seed, horizon, warmup, workers, scheduler)
    return run_breakeven(a, b, vary, between, kpi, options, iterations, progress)


def plan(
    spec: LineSpec | str,
    target: str | float,
    replications: int | None = None,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    scheduler: str = "processes",
    max_machines: int = 200,
    progress: Progress | None = None,
):
    """The fewest added machines for ``target`` (``"2.8 GWh/yr"`` or GWh a year as a number).

    The target counts as reached when the lower end of the 95% CI of GWh/yr
    is at or above it. Returns :class:`~fabsim.analysis.plan.PlanResults`.

    Example:
        >>> plan("semi_solid", "2.8 GWh/yr", replications=3).changes      # doctest: +SKIP
    """
    from fabsim.analysis.plan import check_target, run_plan

    base = load_spec(spec) if isinstance(spec, str) else spec
    gwh = check_target(target) if isinstance(target, str) else float(target)
    if replications is not None and replications < 2:
        raise SpecError(
            [
                Problem(
                    f"-n {replications}",
                    None,
                    "",
                    "plan needs 2 or more replications: a target counts as reached by the "
                    "lower end of a 95% interval, and one replication has none",
                )
            ]
        )
    options = _options([base], replications, seed, horizon, warmup, workers, scheduler)
    return run_plan(base, gwh, options, max_machines, progress)
