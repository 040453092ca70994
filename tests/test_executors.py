"""Dask executors: a worker killed mid-task loses nothing and counts nothing twice."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from fabsim.experiment.replications import run_tasks
from fabsim.spec import load_spec

pytestmark = pytest.mark.skipif(
    os.environ.get("FABSIM_SKIP_DASK") == "1", reason="FABSIM_SKIP_DASK=1"
)


def test_a_worker_killed_mid_task_is_rerun_and_results_equal_a_local_run():
    from distributed import Client, LocalCluster

    spec = load_spec("three_step")
    # long enough (about a second each) that a task is running when the kill comes
    tasks = [(spec, r, 7, 120 * 24.0, 24.0) for r in range(6)]
    expected = run_tasks(tasks, workers=1)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one_worker_when_busy():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                processing = client.processing()
                busy = [worker for worker, keys in processing.items() if keys]
                if busy:
                    time.sleep(0.3)  # well inside a task
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_one_worker_when_busy)
        killer.start()
        counted = []
        results = run_tasks(tasks, scheduler=cluster.scheduler_address, progress=counted.append)
        killer.join()
    assert killed and killed[0] in pids
    assert len(counted) == len(tasks)  # each task's result taken once
    assert results == expected
