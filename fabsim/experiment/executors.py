"""Where replications run: local processes, a Dask cluster on this machine, or a remote one.

A task is one replication: ``run_replication(spec, r, seed, horizon, warmup)``.
Its numbers depend only on the task (the random streams are keyed by seed,
replication, step and purpose), so every executor and worker count gives
the same results, bit for bit.

* ``processes`` (default): a pool of local processes (one process: in this one);
* ``dask-local``: a ``distributed.LocalCluster`` of ``workers`` processes;
* ``tcp://HOST:PORT``: an existing Dask scheduler and its workers.

On Dask, a task whose worker dies is rerun elsewhere by the scheduler; its
result is taken once, when it arrives.

Example:
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler("threads")
    Traceback (most recent call last):
    ...
    ValueError: expected 'processes', 'dask-local' or tcp://HOST:PORT, got 'threads'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from fabsim.sim.line import run_replication
from fabsim.sim.results import ReplicationResult

SCHEDULERS = ("processes", "dask-local")
_ADDRESS = re.compile(r"tcp://[\w.\-\[\]:]+:\d+")


def check_scheduler(scheduler: str) -> str:
    """The scheduler as given, if it is one fabsim knows; else ``ValueError``."""
    if scheduler in SCHEDULERS or _ADDRESS.fullmatch(scheduler):
        return scheduler
    raise ValueError(f"expected 'processes', 'dask-local' or tcp://HOST:PORT, got {scheduler!r}")


def dask_results(
    tasks: list[tuple], scheduler: str, workers: int | None
) -> Iterator[tuple[int, ReplicationResult]]:
    """Yield ``(index, result)`` for each task as Dask finishes it (any order).

    ``dask-local`` starts a LocalCluster of ``workers`` single-threaded
    processes for the run and closes it after; an address connects to a
    running scheduler.
    """
    from distributed import Client, LocalCluster, as_completed

    from fabsim.experiment.replications import default_workers

    cluster = None
    if scheduler == "dask-local":
        cluster = LocalCluster(
            n_workers=min(workers or default_workers(), len(tasks)) or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            from fabsim.spec.errors import Problem, SpecError

            raise SpecError(
                [
                    Problem(
                        f"--scheduler {scheduler}", None, "", f"no Dask scheduler there ({error})"
                    )
                ]
            ) from None
    try:
        # pure=False: equal tasks (the same point asked for twice) each get a key
        futures = client.map(_run, tasks, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            yield index[future.key], future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(task: tuple) -> ReplicationResult:
    return run_replication(*task)
