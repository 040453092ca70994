"""Run N independent replications of a line, on one or several local processes.

Replication ``r`` always uses the random streams keyed by ``(seed, r, step,
machine, purpose)``, so the numbers do not depend on how many workers ran
them or in which order they finished.

Example:
    >>> from fabsim.spec import load_spec
    >>> spec = load_spec("process_specs/examples/three_step.yaml")          # doctest: +SKIP
    >>> runs = run_replications(spec, replications=4, seed=1, workers=2)    # doctest: +SKIP
    >>> [r.replication for r in runs]                                       # doctest: +SKIP
    [0, 1, 2, 3]
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from fabsim.sim.line import run_replication
from fabsim.sim.results import ReplicationResult
from fabsim.spec.models import LineSpec

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[ReplicationResult], None]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_replications(
    spec: LineSpec,
    replications: int,
    seed: int,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> list[ReplicationResult]:
    """Simulate ``replications`` runs of ``spec``; results in replication order."""
    tasks = [(spec, r, seed, horizon, warmup) for r in range(replications)]
    return run_tasks(tasks, workers, progress, scheduler)


def run_tasks(
    tasks: list[tuple],
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> list[ReplicationResult]:
    """Run ``run_replication(*task)`` for each task; keep the order of ``tasks``.

    ``scheduler`` is ``processes``, ``dask-local`` or a Dask scheduler's
    address (see :mod:`fabsim.experiment.executors`).
    """
    results: list[ReplicationResult | None] = [None] * len(tasks)
    try:
        for index, result in finished_tasks(tasks, workers, scheduler):
            results[index] = result
            if progress:
                progress(result)
    except KeyboardInterrupt:
        raise Interrupted(sum(r is not None for r in results), len(tasks)) from None
    return results


def finished_tasks(
    tasks: list[tuple], workers: int | None = None, scheduler: str = "processes"
) -> Iterator[tuple[int, ReplicationResult]]:
    """Yield ``(index, result)`` for each task as it finishes (any order on many workers).

    Closing the generator (or Ctrl-C) stops the workers: nothing keeps
    running once the caller stopped listening.
    """
    if not tasks:
        return
    if scheduler != "processes":
        from fabsim.experiment.executors import dask_results

        yield from dask_results(tasks, scheduler, workers)
        return
    workers = min(workers or default_workers(), len(tasks)) or 1
    if workers == 1:
        for index, task in enumerate(tasks):
            yield index, run_replication(*task)
        return
    # Imported here: a one-worker run starts its first replication sooner.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver: workers start from a clean interpreter, not from a fork of
    # a process that may hold threads (the progress bar) and locks. Workers
    # ignore Ctrl-C: the parent decides what an interruption means.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["fabsim.sim.line"])
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_ignore_interrupts
    )
    futures = {pool.submit(run_replication, *task): i for i, task in enumerate(tasks)}
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BaseException:  # Ctrl-C, an error, or the caller closed the generator
        _stop(pool)
        raise
    pool.shutdown()


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: ``finished`` of ``total`` replications were done."""

    def __init__(self, finished: int, total: int):
        super().__init__(f"{finished} of {total} replications finished")
        self.finished, self.total = finished, total


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    # Running replications are not worth waiting for once the user said stop.
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
