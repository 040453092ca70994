"""What the CLI commands do, apart from parsing options.

Each command loads specs, simulates through the public API, then prints the
rich summary (stdout) or one JSON object (``--json``), and writes ``--out``
files if asked. Progress goes to stderr, only on a terminal. Bad input of
any kind exits with code 2 and Ctrl-C with 130, never with a traceback, and
an ``--out`` directory is written only once everything in it is finished.

Example:
    >>> run_command("three_step", replications=2, seed=1, horizon=None, warmup=None,
    ...             sets=[], workers=1, as_json=True, out=None)   # doctest: +SKIP
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import replace

import typer

from fabsim.api import compare, load_spec, rampup, replications_for, simulate
from fabsim.experiment.limits import RunTooLarge
from fabsim.experiment.replications import Interrupted
from fabsim.sim.line import LineDeadlock
from fabsim.spec.errors import Problem, SpecError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def terminal():
    """The stdout console: the terminal's width, or ``COLUMNS`` when set (rich's rule)."""
    from rich.console import Console

    return Console()


@contextmanager
def user_errors():
    """Turn bad input, deadlocks, over-limit runs and Ctrl-C into exit codes."""
    try:
        yield
    except (SpecError, RunTooLarge, LineDeadlock) as error:
        print(error, file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Interrupted as stop:
        print(
            f"interrupted: {stop.finished} of {stop.total} replications had finished; "
            "nothing was written",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None


@contextmanager
def progress_bar(total: int, label: str, eta: bool = False):
    """A progress bar on stderr when it is a terminal; a no-op callback otherwise.

    ``eta`` adds the time remaining (long experiments: sweeps, sensitivity).
    """
    if not sys.stderr.isatty():
        yield lambda _result: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TimeRemainingColumn()] if eta else []
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *columns,
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _result: progress.advance(task)


def run_command(
    name,
    replications,
    seed,
    horizon,
    warmup,
    sets,
    workers,
    as_json,
    out,
    scheduler="processes",
    plots=None,
    every_item=False,
):
    """``fabsim run``: one line, summary or JSON, optional ``--out`` files."""
    with user_errors():
        spec = load_spec(name, sets)
        count = replications_for([spec], replications)
        with progress_bar(count, spec.line) as advance:
            results = simulate(
                spec, count, seed, horizon, warmup, workers, advance, scheduler=scheduler
            )
    from fabsim.report.export import to_json, write_outputs  # not needed before the run

    summary = results.to_dict()
    _warn(results.warnings)
    if out:
        write_outputs(
            out,
            {
                "summary.json": to_json(summary),
                "replications.csv": results.replications_frame().to_csv(index=False),
                "steps.csv": results.steps_frame().to_csv(index=False),
                "results.json": _saved(
                    "run", {results.name: (results.spec, results.runs)}, results.seed
                ),
            },
        )
    _plots(plots, lambda: _plot_module().line_plots(results))  # after --out: a run is kept
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.run_summary import run_summary

    console = terminal()
    _print(console, run_summary(results, console.width, every_item), out)


def compare_command(
    names,
    replications,
    seed,
    horizon,
    warmup,
    sets,
    workers,
    as_json,
    out,
    by_position=None,
    equal=None,
    scheduler="processes",
    plots=None,
):
    """``fabsim compare``: lines side by side with paired differences and a verdict."""
    from fabsim.spec.catalog import REFERENCE_LINES
    from fabsim.spec.overrides import per_line_overrides

    names = list(names) or list(REFERENCE_LINES)
    if len(names) < 2:
        print(
            "compare needs at least two lines (none given: the two reference lines)",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    with user_errors():
        overrides = per_line_overrides(names, list(sets), by_position)
        specs, problems = [], []
        for name, line_sets in zip(names, overrides, strict=True):
            try:
                specs.append(_load_line(name, line_sets))
            except SpecError as error:  # report every line's problems at once
                problems += error.problems
        if problems:
            raise SpecError(problems)
        count = replications_for(specs, replications)
        with progress_bar(count * len(specs), "compare") as advance:
            comparison = compare(
                specs, count, seed, horizon, warmup, workers, advance, equal, scheduler
            )
    from fabsim.report.export import to_json, write_outputs

    summary = comparison.to_dict()
    for name, results in comparison.lines.items():
        _warn(results.warnings, name)
    if out:
        import pandas as pd

        def tagged(frame, name):
            frame.insert(0, "line", name)
            return frame

        lines = comparison.lines.items()
        write_outputs(
            out,
            {
                "summary.json": to_json(summary),
                "replications.csv": pd.concat(
                    [tagged(r.replications_frame(), n) for n, r in lines]
                ).to_csv(index=False),
                "steps.csv": pd.concat([tagged(r.steps_frame(), n) for n, r in lines]).to_csv(
                    index=False
                ),
                "results.json": _saved(
                    "compare",
                    {n: (r.spec, r.runs) for n, r in lines},
                    comparison.lines[comparison.baseline].seed,
                    {"equal": comparison.equal, "scaling": comparison.scaling},
                ),
            },
        )
    _plots(plots, lambda: _plot_module().compare_plots(comparison))  # after --out
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.compare_summary import compare_summary

    console = terminal()
    _print(console, compare_summary(comparison, console.width), out)


def rampup_command(
    name,
    replications,
    seed,
    horizon,
    sets,
    workers,
    as_json,
    out,
    scheduler="processes",
    plots=None,
):
    """``fabsim rampup``: weekly good output of a new line, and time to 90% of mature."""
    with user_errors():
        spec = load_spec(name, sets)
        count = replications_for([spec], replications)
        with progress_bar(2 * count, f"ramp-up {spec.label}") as advance:
            results = rampup(spec, count, seed, horizon, workers, advance, scheduler)
    from fabsim.report.export import to_json, write_outputs

    summary = results.to_dict()
    if out:
        import pandas as pd

        rows = [
            {"replication": run.replication + 1, "week": week + 1, "good": good}
            for run in results.new
            for week, good in enumerate(run.series[: results.weeks])
        ]
        write_outputs(
            out,
            {
                "summary.json": to_json(summary),
                "weeks.csv": pd.DataFrame(rows).to_csv(index=False),
                "results.json": _saved(
                    "rampup", {spec.label: (spec, (results.new, results.mature))}, results.seed
                ),
            },
        )
    _plots(plots, lambda: {"rampup.png": _plot_module().rampup_figure(results)})  # after --out
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.rampup_summary import rampup_summary

    _print(terminal(), rampup_summary(results), out, ("summary.json", "weeks.csv", "results.json"))


def _plots(directory: str | None, build) -> None:
    """Write the command's PNGs into ``directory`` (matplotlib is imported only here)."""
    if not directory:
        return
    from fabsim.report.plots import write_plots

    try:
        paths = write_plots(directory, build())
    except OSError as error:
        print(
            f"--plots {directory}: cannot write there ({error.strerror or error})", file=sys.stderr
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    print(f"wrote {len(paths)} plots to {directory}", file=sys.stderr)


def _warn(warnings: list[str], name: str | None = None) -> None:
    """Warnings go to stderr too, so they are seen even when stdout is a file or JSON."""
    for warning in warnings:
        print(f"warning{f' ({name})' if name else ''}: {warning}", file=sys.stderr)


def _load_line(name: str, sets: list[str]):
    """Load one line of a comparison; a bad ``--set`` says which line it failed on."""
    try:
        return load_spec(name, sets)
    except SpecError as error:
        raise SpecError(
            [
                replace(p, source=f"{p.source} (line {name})")
                if p.source.startswith("--set")
                else p
                for p in error.problems
            ]
        ) from None


def _saved(kind: str, lines: dict, seed: int, extra: dict | None = None) -> str:
    from fabsim.analysis.saved_runs import saved_text

    return saved_text(kind, lines, seed, extra)


def _print(
    console,
    renderables,
    out,
    written=("summary.json", "replications.csv", "steps.csv", "results.json"),
) -> None:
    from fabsim.report.format import OneLine

    for renderable in renderables:
        # A command to paste stays on one line, however narrow the terminal.
        console.print(renderable, soft_wrap=isinstance(renderable, OneLine))
    if out:
        console.print(f"wrote {', '.join(written)} to {out}")


def cell_command(name: str, sets: list[str], as_json: bool) -> None:
    """``fabsim cell``: the derived cell design as a table, or JSON."""
    import json

    from fabsim.spec.cell_design import design_of

    with user_errors():
        spec = load_spec(name, sets)
    if spec.cell is None:
        print(f"{spec.source}: has no cell: block (nothing to derive)", file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT)
    design = design_of(spec.cell)
    if as_json:
        sys.stdout.write(json.dumps(design.to_dict(), indent=2) + "\n")
        return
    from fabsim.report.cell_summary import cell_summary

    console = terminal()
    for renderable in cell_summary(spec, design):
        console.print(renderable)


def specs_command() -> None:
    """``fabsim specs``: the shipped lines and what each is."""
    from fabsim.spec.catalog import shipped

    with user_errors():
        for name, path in shipped().items():
            spec = load_spec(str(path))
            print(f"{name:<24} {spec.line}")
            if spec.description:
                print(f"{'':<24} {spec.description}")
            if spec.scenarios:
                named = ", ".join(f"{name}@{s}" for s in spec.scenarios)
                print(f"{'':<24} scenarios: {named}")


def sweep_command(
    name,
    sets,
    sample,
    kpi,
    replications,
    seed,
    horizon,
    warmup,
    workers,
    scheduler,
    as_json,
    out,
    resume,
    plots=None,
):
    """``fabsim sweep``: every point's KPIs with CIs, written as each point finishes."""
    from fabsim.analysis.kpis import check_kpi
    from fabsim.api import sweep, sweep_plan

    with user_errors():
        base = load_spec(name)
        check_kpi([base], kpi)
        points = sweep_plan(base, sets, sample, seed)
        count = replications_for([base], replications)
        run_seed = base.run.seed if seed is None else seed
        table = None
        if out:
            from fabsim.report.points_table import PointsTable

            config = {
                "spec": base.label,
                "source": base.source,
                "fingerprint": base.fingerprint,  # the spec's text, scenario and overrides
                "seed": run_seed,
                "replications": count,
                "horizon_h": horizon,
                "warmup_h": warmup,
                "points": [p.values for p in points],
            }
            table = PointsTable(out, config, points, resume)
        skip = table.done if table else set()
        todo = len(points) - len(skip)
        try:
            with progress_bar(todo * count, f"sweep {base.label}", eta=True) as advance:
                _, rows = sweep(
                    base,
                    sets,
                    sample,
                    count,
                    run_seed,
                    horizon,
                    warmup,
                    workers,
                    scheduler,
                    on_point=table.add if table else None,
                    skip=skip,
                    progress=advance,
                )
        except Interrupted:
            where = f"; {len(table.rows)} of {len(points)} points are in {out}" if table else ""
            print(f"interrupted{where}; run again with --resume to finish", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            if table:
                table.close()  # the tables hold every finished point, interrupted or not
    all_rows = [table.rows[i] for i in sorted(table.rows)] if table else rows
    _plots(plots, lambda: {"sweep.png": _plot_module().sweep_figure(points, all_rows, kpi)})
    from fabsim.report.export import to_json

    if as_json:
        sys.stdout.write(to_json({"line": base.label, "kpi": kpi, "points": all_rows}))
        return
    from fabsim.report.experiment_summary import sweep_summary

    console = terminal()
    command = _sweep_command(name, sets, sample, count, run_seed, horizon, warmup)
    for renderable in sweep_summary(base, points, all_rows, kpi, count, run_seed, out, command):
        console.print(renderable, soft_wrap=_one_line(renderable))


def _sweep_command(name, sets, sample, count, seed, horizon, warmup) -> str:
    words = [name]
    for text in sets:
        words += ["--set", text]
    if sample is not None:
        words += ["--sample", str(sample)]
    return _command("sweep", words, count, seed, horizon, warmup)


def sensitivity_command(
    names,
    kpi,
    only,
    replications,
    seed,
    horizon,
    warmup,
    workers,
    scheduler,
    as_json,
    out,
    plots=None,
):
    """``fabsim sensitivity``: the tornado table of one line, or of two lines' difference."""
    from fabsim.api import sensitivity

    with user_errors():
        specs = [load_spec(name) for name in names]
        count = replications_for(specs, replications)
        from fabsim.analysis.sensitivity import parameters, simulation_depends_on

        simulated = [p for p in parameters(specs, only) if simulation_depends_on(p.path)]
        runs = (2 * len(simulated) + len(specs)) * count
        with progress_bar(runs, "sensitivity", eta=True) as advance:
            result = sensitivity(
                specs, kpi, count, seed, horizon, warmup, workers, scheduler, only, advance
            )
    from fabsim.report.export import to_json, write_outputs

    summary = result.to_dict()
    _plots(plots, lambda: {"tornado.png": _plot_module().tornado_figure(result)})
    picked = [word for path in only for word in ("--only", path)]
    command = _experiment_command("sensitivity", names, result, horizon, warmup, picked)
    summary["command"] = command
    if out:
        write_outputs(out, {"sensitivity.json": to_json(summary)})
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.experiment_summary import sensitivity_summary

    console = terminal()
    for renderable in sensitivity_summary(result, command):
        console.print(renderable, soft_wrap=_one_line(renderable))
    if out:
        console.print(f"wrote sensitivity.json to {out}")


def _plot_module():
    from fabsim.report import plots

    return plots


def _one_line(renderable) -> bool:
    from fabsim.report.format import OneLine

    return isinstance(renderable, OneLine)


def _experiment_command(command, names, result, horizon, warmup, extra=()) -> str:
    words = [*names, *extra, "--kpi", result.kpi]
    return _command(command, words, result.replications, result.seed, horizon, warmup)


def _command(command, words, count, seed, horizon, warmup, after=()) -> str:
    """``fabsim COMMAND WORDS -n N --seed S [--horizon ...] [--warmup ...] AFTER``, quoted."""
    import shlex

    from fabsim.analysis.line_results import _exact_hours

    words = ["fabsim", command, *words, "-n", str(count), "--seed", str(seed)]
    if horizon is not None:
        words += ["--horizon", _exact_hours(horizon)]
    if warmup is not None:
        words += ["--warmup", _exact_hours(warmup)]
    return " ".join(shlex.quote(w) for w in [*words, *after])


def breakeven_command(
    names,
    vary,
    between,
    kpi,
    replications,
    seed,
    horizon,
    warmup,
    workers,
    scheduler,
    as_json,
    out,
):
    """``fabsim breakeven``: the value of B's parameter at which B matches A."""
    from fabsim.api import breakeven

    with user_errors():
        a, b = (load_spec(name) for name in names)
        count = replications_for([a, b], replications)
        with progress_bar(count * 14, "break-even", eta=True) as advance:
            result = breakeven(
                a,
                b,
                vary,
                between,
                kpi,
                count,
                seed,
                horizon,
                warmup,
                workers,
                scheduler,
                progress=advance,
            )
    from fabsim.report.export import to_json, write_outputs

    extra = ["--vary", vary] + (["--between", *map(str, between)] if between else [])
    command = _experiment_command("breakeven", names, result, horizon, warmup, extra)
    summary = {**result.to_dict(), "command": command}
    if out:
        write_outputs(out, {"breakeven.json": to_json(summary)})
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.experiment_summary import breakeven_summary

    console = terminal()
    for renderable in breakeven_summary(result, command):
        console.print(renderable, soft_wrap=_one_line(renderable))


EXIT_TARGET_MISSED = 1


def plan_command(
    name,
    target,
    max_machines,
    replications,
    seed,
    horizon,
    warmup,
    workers,
    scheduler,
    as_json,
    out,
):
    """``fabsim plan``: the fewest added machines for a target; exit 1 when one line cannot."""
    from fabsim.api import plan

    with user_errors():
        base = load_spec(name)
        count = replications_for([base], replications)
        with progress_bar(count * 10, f"plan {base.label}", eta=True) as advance:
            result = plan(
                base,
                target,
                count,
                seed,
                horizon,
                warmup,
                workers,
                scheduler,
                max_machines,
                advance,
            )
    from fabsim.report.export import to_json, write_outputs

    run_seed = base.run.seed if seed is None else seed
    limit = ["--max-machines", str(max_machines)] if max_machines != 200 else []
    command = _command("plan", [name, "--target", target], count, run_seed, horizon, warmup, limit)
    summary = {**result.to_dict(), "command": command}
    if out:
        write_outputs(out, {"plan.json": to_json(summary)})
    if as_json:
        sys.stdout.write(to_json(summary))
    else:
        from fabsim.report.experiment_summary import plan_summary

        console = terminal()
        currency = base.costs.currency if base.costs else None
        for renderable in plan_summary(result, command, currency):
            console.print(renderable, soft_wrap=_one_line(renderable))
    if not result.feasible:
        raise typer.Exit(EXIT_TARGET_MISSED)


def report_command(directory: str, plots: str | None, html: bool) -> None:
    """``fabsim report DIR``: the summary (and plots, and an HTML page) of a saved run."""
    import json
    import os

    from fabsim.analysis.saved_runs import load_saved

    path = os.path.join(directory, "results.json")
    with user_errors():
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            raise SpecError(
                [Problem(directory, None, "", "holds no results.json (write one with --out)")]
            ) from None
        except (OSError, ValueError) as error:
            raise SpecError([Problem(path, None, "", f"cannot read: {error}")]) from None
        try:
            kind, loaded = load_saved(data, path)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            raise SpecError(
                [
                    Problem(
                        path, None, "", "is not a results.json that fabsim wrote (or it is damaged)"
                    )
                ]
            ) from None
    console = terminal()
    from fabsim.report.html_page import WIDTH

    renderables, figures = _report_parts(kind, loaded, WIDTH if html else console.width)
    if plots:
        _plots(plots, figures)
    if html:
        from fabsim.report.html_page import html_page

        target = os.path.join(directory, "report.html")
        from fabsim.report.export import write_outputs

        write_outputs(directory, {"report.html": html_page(renderables, figures(), kind)})
        print(target)
        return
    for renderable in renderables:
        console.print(renderable, soft_wrap=_one_line(renderable))


def _report_parts(kind: str, loaded, width: int):
    """The summary renderables of a saved result, and a function that draws its plots."""
    if kind == "run":
        from fabsim.report.run_summary import run_summary

        return run_summary(loaded, width), lambda: _plot_module().line_plots(loaded)
    if kind == "compare":
        from fabsim.report.compare_summary import compare_summary

        return compare_summary(loaded, width), lambda: _plot_module().compare_plots(loaded)
    from fabsim.report.rampup_summary import rampup_summary

    return rampup_summary(loaded), lambda: {"rampup.png": _plot_module().rampup_figure(loaded)}
