"""The ``fabsim`` command line: a thin layer over the Python API.

Heavy libraries (pandas, matplotlib, dask) are imported inside the commands
that need them, so ``fabsim --help`` and ``fabsim validate`` start fast.

Example:
    $ fabsim run process_specs/examples/three_step.yaml --replications 5
    $ fabsim run semi_solid --set steps.stacking.machines=14 --json
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(
    name="fabsim",
    help="Simulate battery-cell production lines: semi-solid vs all-solid-state.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _line_names(incomplete: str) -> list[str]:
    """Shell completion: the shipped lines (and their scenarios) that start as typed."""
    from fabsim.spec.catalog import shipped

    names = list(shipped())
    if "@" in incomplete:  # complete the scenario of a shipped line
        line = incomplete.split("@", 1)[0]
        if line in names:
            from fabsim.spec import load_spec

            try:
                names = [f"{line}@{s}" for s in load_spec(line).scenarios]
            except Exception:  # a broken spec completes nothing
                return []
    return [name for name in names if name.startswith(incomplete)]


Spec = Annotated[
    str,
    typer.Argument(
        help="Spec file, or the name of a shipped line (LINE@SCENARIO for a scenario).",
        autocompletion=_line_names,
    ),
]
Replications = Annotated[
    int | None,
    typer.Option(
        "--replications", "-n", help="Independent replications (default: the spec's run block)."
    ),
]
Seed = Annotated[int | None, typer.Option(help="Run seed (default: the spec's, else 1).")]
Horizon = Annotated[
    str | None,
    typer.Option(help="Statistics window after warm-up, e.g. '30 d' (default: the spec's)."),
]
Warmup = Annotated[str | None, typer.Option(help="Warm-up before statistics, e.g. '2 d'.")]
Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a field: PATH=VALUE, e.g. steps.stacking.machines=6. Repeatable."
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(min=1, help="Local processes for replications (default: all cores)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, only.")]
SchedulerOption = Annotated[
    str,
    typer.Option(
        "--scheduler",
        help="Where replications run: processes (local), dask-local (a Dask LocalCluster) "
        "or tcp://HOST:PORT (a running Dask scheduler).",
    ),
]
Plots = Annotated[
    str | None, typer.Option(help="Write PNG plots into this directory (matplotlib).")
]
Scenario = Annotated[
    str | None,
    typer.Option(help="Apply one of the spec's scenarios (same as naming the line LINE@NAME)."),
]
Out = Annotated[
    str | None,
    typer.Option(
        help="Write summary.json, replications.csv, steps.csv and results.json (for "
        "fabsim report) into this directory."
    ),
]


def _scheduler(value: str) -> str:
    from fabsim.experiment.executors import check_scheduler

    try:
        return check_scheduler(value)
    except ValueError as error:
        raise _fail(f"--scheduler {value}: {error}") from None


def _in_scenario(spec: str, scenario: str | None) -> str:
    from fabsim.spec.scenarios import split_scenario

    if not scenario:
        return spec
    line, named = split_scenario(spec)
    if named and named != scenario:
        raise _fail(f"{spec}: names scenario {named!r} and --scenario {scenario!r}; give one")
    return f"{line}@{scenario}"


def _fail(message: str) -> typer.Exit:
    print(message, file=sys.stderr)
    return typer.Exit(EXIT_BAD_INPUT)


def _hours(option: str, value: str | None) -> float | None:
    if value is None:
        return None
    from fabsim.spec.units import to_hours

    try:
        hours = to_hours(value)
    except ValueError as error:
        raise _fail(f"--{option} {value}: {error}") from None
    if hours <= 0 and option == "horizon":
        raise _fail(f"--horizon {value}: must be longer than zero")
    return hours


@app.command()
def validate(
    specs: Annotated[
        list[str], typer.Argument(help="Spec files to check.", autocompletion=_line_names)
    ],
    sets: Sets = None,
    scenario: Scenario = None,
) -> None:
    """Check spec files: print OK per file, or every problem; exit 2 on any.

    Warnings (a stacking step whose uses disagree with the cell design, steps
    without costs in a costed line) are printed but do not fail the check.
    """
    from fabsim.spec import SpecError, load_spec
    from fabsim.spec.advice import spec_warnings

    failed = False
    for path in specs:
        try:
            spec = load_spec(_in_scenario(path, scenario), sets or ())
        except SpecError as error:
            print(error, file=sys.stderr)
            failed = True
        else:
            print(f"OK  {path}: {spec.line} ({len(spec.steps)} steps)")
            for warning in spec_warnings(spec):
                print(f"warning: {warning}", file=sys.stderr)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec format (for editors that check YAML)."""
    import json

    from fabsim.spec.models import LineSpec

    print(json.dumps(LineSpec.model_json_schema(by_alias=True), indent=2))


@app.command()
def run(
    spec: Spec,
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    sets: Sets = None,
    workers: Workers = None,
    as_json: AsJson = False,
    out: Out = None,
    scenario: Scenario = None,
    scheduler: SchedulerOption = "processes",
    plots: Plots = None,
    every_item: Annotated[
        bool, typer.Option("--all", help="Show the material yield of every item.")
    ] = False,
) -> None:
    """Run one line: KPIs with 95% CIs, steps, bottleneck, cost per kWh if costs are given."""
    from fabsim.commands import run_command

    run_command(
        _in_scenario(spec, scenario),
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        sets or [],
        workers,
        as_json,
        out,
        _scheduler(scheduler),
        plots,
        every_item,
    )


@app.command(name="compare")
def compare_lines(
    specs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Two or more spec files or shipped names (default: the two reference lines).",
            show_default=False,
            autocompletion=_line_names,
        ),
    ] = None,
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a field on every line: PATH=VALUE; on one line: "
            "LINE:PATH=VALUE (LINE as given, or its position 1, 2, ...). Repeatable.",
        ),
    ] = None,
    set_a: Annotated[
        list[str] | None,
        typer.Option("--set-a", help="Override a field of the first line only. Repeatable."),
    ] = None,
    set_b: Annotated[
        list[str] | None,
        typer.Option("--set-b", help="Override a field of the second line only. Repeatable."),
    ] = None,
    workers: Workers = None,
    as_json: AsJson = False,
    out: Out = None,
    equal: Annotated[
        str | None,
        typer.Option(
            help="Scale the other lines (parallel copies) to the first's 'capex' or "
            "nameplate 'output' before comparing."
        ),
    ] = None,
    scheduler: SchedulerOption = "processes",
    plots: Plots = None,
) -> None:
    """Compare lines with the same seeds: side-by-side KPIs, paired differences, verdict.

    A what-if against the unchanged line: fabsim compare all_solid_sulfide
    all_solid_sulfide --set-b steps.stacking.machines=16
    """
    from fabsim.commands import compare_command

    compare_command(
        specs or [],
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        sets or [],
        workers,
        as_json,
        out,
        by_position={i: v for i, v in enumerate((set_a, set_b)) if v},
        equal=_equal_choice(equal),
        scheduler=_scheduler(scheduler),
        plots=plots,
    )


def _equal_choice(value: str | None) -> str | None:
    if value is None or value in ("capex", "output"):
        return value
    raise _fail(f"--equal {value}: expected 'capex' or 'output'")


@app.command()
def rampup(
    spec: Spec,
    horizon: Annotated[
        str, typer.Option(help="How long to follow the new line, e.g. '26 weeks'.")
    ] = "26 weeks",
    replications: Replications = None,
    seed: Seed = None,
    sets: Sets = None,
    workers: Workers = None,
    as_json: AsJson = False,
    out: Annotated[
        str | None, typer.Option(help="Write summary.json and weeks.csv into this directory.")
    ] = None,
    scenario: Scenario = None,
    scheduler: SchedulerOption = "processes",
    plots: Plots = None,
) -> None:
    """Ramp-up of a new line: good output per week (95% CI), time to 90% of mature."""
    from fabsim.commands import rampup_command

    rampup_command(
        _in_scenario(spec, scenario),
        replications,
        seed,
        _hours("horizon", horizon),
        sets or [],
        workers,
        as_json,
        out,
        _scheduler(scheduler),
        plots,
    )


Kpi = Annotated[
    str,
    typer.Option(help="The KPI to rank by: gwh_per_year, good_rate_per_h, cost_per_kwh, ..."),
]


@app.command()
def sweep(
    spec: Spec,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="PATH=VALUES: a list 2,4,6, whole numbers 1..6, or '30 s..60 s:10 s'. "
            "Several --set make a full grid. Repeatable.",
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(min=1, help="Instead of --set: N points by Latin hypercube over the ranges:."),
    ] = None,
    kpi: Kpi = "gwh_per_year",
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    workers: Workers = None,
    scheduler: SchedulerOption = "processes",
    as_json: AsJson = False,
    out: Annotated[
        str | None,
        typer.Option(help="Write points.parquet and points.csv here, a row per finished point."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep in --out: skip finished points.")
    ] = False,
    scenario: Scenario = None,
    plots: Plots = None,
) -> None:
    """Run a line at many points; each point's KPIs with 95% CIs, the best points last."""
    from fabsim.commands import sweep_command

    if resume and not out:
        raise _fail("--resume needs --out DIR (the sweep to continue)")
    sweep_command(
        _in_scenario(spec, scenario),
        sets or [],
        sample,
        _kpi(kpi),
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        workers,
        _scheduler(scheduler),
        as_json,
        out,
        resume,
        plots,
    )


@app.command()
def sensitivity(
    specs: Annotated[
        list[str],
        typer.Argument(
            help="One line, or two (then on their paired difference).", autocompletion=_line_names
        ),
    ],
    kpi: Kpi = "gwh_per_year",
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Vary only this range (its path as reported). Repeatable."),
    ] = None,
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    workers: Workers = None,
    scheduler: SchedulerOption = "processes",
    as_json: AsJson = False,
    out: Annotated[str | None, typer.Option(help="Write sensitivity.json here.")] = None,
    plots: Plots = None,
) -> None:
    """Which estimates decide the verdict: every ranges: entry at low and high, by swing."""
    from fabsim.commands import sensitivity_command

    if len(specs) > 2:
        raise _fail("sensitivity takes one line, or two (their difference)")
    sensitivity_command(
        specs,
        _kpi(kpi),
        only or [],
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        workers,
        _scheduler(scheduler),
        as_json,
        out,
        plots,
    )


@app.command()
def breakeven(
    line_a: Annotated[
        str,
        typer.Argument(
            help="The line to match (spec file or shipped name).", autocompletion=_line_names
        ),
    ],
    line_b: Annotated[
        str,
        typer.Argument(help="The line whose parameter is varied.", autocompletion=_line_names),
    ],
    vary: Annotated[
        str, typer.Option(help="Path of B's parameter, e.g. steps.stacking.cycle.mean.")
    ],
    between: Annotated[
        tuple[str, str] | None,
        typer.Option(help="LOW HIGH to search (default: B's ranges: entry for the path)."),
    ] = None,
    kpi: Kpi = "gwh_per_year",
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    workers: Workers = None,
    scheduler: SchedulerOption = "processes",
    as_json: AsJson = False,
    out: Annotated[str | None, typer.Option(help="Write breakeven.json here.")] = None,
) -> None:
    """What must improve for B to match A: the break-even value of one of B's parameters."""
    from fabsim.commands import breakeven_command

    breakeven_command(
        [line_a, line_b],
        vary,
        between,
        _kpi(kpi),
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        workers,
        _scheduler(scheduler),
        as_json,
        out,
    )


@app.command()
def plan(
    spec: Spec,
    target: Annotated[str, typer.Option(help="Good energy a year to reach, e.g. '2.8 GWh/yr'.")],
    max_machines: Annotated[
        int,
        typer.Option(min=1, help="Most machines one step may have before copies are needed."),
    ] = 200,
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    warmup: Warmup = None,
    workers: Workers = None,
    scheduler: SchedulerOption = "processes",
    as_json: AsJson = False,
    out: Annotated[str | None, typer.Option(help="Write plan.json here.")] = None,
    scenario: Scenario = None,
) -> None:
    """The fewest added machines that reach a target (lower 95% bound); exit 1 if none do."""
    from fabsim.commands import plan_command

    plan_command(
        _in_scenario(spec, scenario),
        target,
        max_machines,
        replications,
        seed,
        _hours("horizon", horizon),
        _hours("warmup", warmup),
        workers,
        _scheduler(scheduler),
        as_json,
        out,
    )


def _kpi(name: str) -> str:
    from fabsim.analysis.kpis import BETTER
    from fabsim.spec.suggest import did_you_mean

    if name in BETTER:
        return name
    raise _fail(f"--kpi {name}: not a line KPI{did_you_mean(name, list(BETTER))}")


@app.command()
def cell(spec: Spec, as_json: AsJson = False, sets: Sets = None, scenario: Scenario = None) -> None:
    """The cell a spec's cell: block designs: capacity, energy, sheets, picks, masses."""
    from fabsim.commands import cell_command

    cell_command(_in_scenario(spec, scenario), sets or [], as_json)


@app.command()
def report(
    directory: Annotated[str, typer.Argument(help="A directory a run wrote with --out.")],
    plots: Plots = None,
    html: Annotated[
        bool, typer.Option("--html", help="Write DIR/report.html (tables and plots) instead.")
    ] = False,
) -> None:
    """Show a saved run's summary again, without simulating (a colleague's --out directory)."""
    from fabsim.commands import report_command

    report_command(directory, plots, html)


@app.command()
def specs() -> None:
    """List the shipped lines with their descriptions."""
    from fabsim.commands import specs_command

    specs_command()


def main() -> None:
    """Console entry point: maps bad input to exit 2 and Ctrl-C to 130, no tracebacks."""
    from fabsim.spec.errors import SpecError

    try:
        app()
    except SpecError as error:
        print(error, file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
