"""What the CLI commands do, apart from parsing options.

Each command loads specs, simulates through the public API, then either
prints the rich summary (stdout), or one JSON object (``--json``), and
writes ``--out`` files if asked. Progress goes to stderr, only on a terminal.

Example:
    >>> run_command("three_step", replications=2, seed=1, horizon=None, warmup=None,
    ...             sets=[], workers=1, as_json=True, out=None)   # doctest: +SKIP
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import typer

from fabsim.api import compare, load_spec, simulate
from fabsim.report.export import to_json, write_outputs
from fabsim.sim.line import LineDeadlock
from fabsim.spec.errors import SpecError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def terminal():
    """The stdout console; 120 columns when piped, so tables are not squeezed."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=120)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress_bar(total: int, label: str):
    """A progress bar on stderr when it is a terminal; a no-op callback otherwise."""
    if not sys.stderr.isatty():
        yield lambda _result: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr_console(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _result: progress.advance(task)


def simulate_lines(names: list[str], replications, seed, horizon, warmup, sets, workers):
    """Load and simulate each line with the same seed; bad input exits with code 2."""
    try:
        specs = [load_spec(name, sets) for name in names]
    except SpecError as error:
        print(error, file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    results = []
    for spec in specs:
        count = spec.run.replications if replications is None else replications
        if count < 1:
            print("--replications must be at least 1", file=sys.stderr)
            raise typer.Exit(EXIT_BAD_INPUT)
        run_seed = spec.run.seed if seed is None else seed
        with progress_bar(count, spec.line) as advance:
            try:
                results.append(
                    simulate(spec, count, run_seed, horizon, warmup, workers, progress=advance)
                )
            except LineDeadlock as error:
                print(f"{spec.source}: {error}", file=sys.stderr)
                raise typer.Exit(EXIT_BAD_INPUT) from None
            except KeyboardInterrupt:
                done = ", ".join(r.name for r in results) or "nothing"
                print(
                    f"interrupted while running {spec.line!r}; finished: {done}; no files written",
                    file=sys.stderr,
                )
                raise typer.Exit(EXIT_INTERRUPTED) from None
    return results


def run_command(spec, replications, seed, horizon, warmup, sets, workers, as_json, out):
    """``fabsim run``: one line, summary or JSON, optional ``--out`` files."""
    (results,) = simulate_lines([spec], replications, seed, horizon, warmup, sets, workers)
    summary = results.to_dict()
    if out:
        write_outputs(
            out,
            {
                "summary.json": to_json(summary),
                "replications.csv": results.replications_frame().to_csv(index=False),
                "steps.csv": results.steps_frame().to_csv(index=False),
            },
        )
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.run_summary import run_summary

    console = terminal()
    for renderable in run_summary(results):
        console.print(renderable)
    if out:
        console.print(f"wrote summary.json, replications.csv, steps.csv to {out}")


def compare_command(names, replications, seed, horizon, warmup, sets, workers, as_json, out):
    """``fabsim compare``: lines side by side with paired differences and a verdict."""
    from fabsim.spec.catalog import REFERENCE_LINES

    names = list(names) or list(REFERENCE_LINES)
    if len(names) < 2:
        print(
            "compare needs at least two lines (none given: the two reference lines)",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        specs = [load_spec(name, sets) for name in names]
    except SpecError as error:
        print(error, file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    count = replications or max(spec.run.replications for spec in specs)
    with progress_bar(count * len(specs), "compare") as advance:
        try:
            comparison = compare(specs, count, seed, horizon, warmup, workers, advance)
        except LineDeadlock as error:
            print(error, file=sys.stderr)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            print("interrupted; no results kept and no files written", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    summary = comparison.to_dict()
    if out:
        files = {"summary.json": to_json(summary)}
        frames = []
        for name, results in comparison.lines.items():
            frame = results.replications_frame()
            frame.insert(0, "line", name)
            frames.append(frame)
            steps = results.steps_frame()
            steps.insert(0, "line", name)
            frames.append(None)
            files.setdefault("steps.csv", "")
            files["steps.csv"] += steps.to_csv(index=False, header=not files["steps.csv"])
        import pandas as pd

        files["replications.csv"] = pd.concat([f for f in frames if f is not None]).to_csv(
            index=False
        )
        write_outputs(out, files)
    if as_json:
        sys.stdout.write(to_json(summary))
        return
    from fabsim.report.compare_summary import compare_summary

    console = terminal()
    for renderable in compare_summary(comparison):
        console.print(renderable)
    if out:
        console.print(f"wrote summary.json, replications.csv, steps.csv to {out}")


def specs_command() -> None:
    """``fabsim specs``: the shipped lines and what each is."""
    from fabsim.spec.catalog import shipped

    for name, path in shipped().items():
        try:
            spec = load_spec(str(path))
        except SpecError as error:  # a shipped spec must load; say so if not
            print(f"{name}: cannot be loaded: {error}", file=sys.stderr)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        print(f"{name:<20} {spec.line}")
        if spec.description:
            print(f"{'':<20} {spec.description}")
