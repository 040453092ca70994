"""Ctrl-C stops cleanly: exit 130, what finished is said, no partial --out."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_during_run_leaves_nothing_half_written(tmp_path, workers):
    out = tmp_path / "results"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fabsim",
            "run",
            "five_station",
            "-n",
            "40",  # ~20 s of replications even on 2 workers: still running at the signal
            "--workers",
            workers,
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # started, importing done, replications running (each takes seconds)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    assert stderr.startswith("interrupted: ") and "replications had finished" in stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging directory left behind


def test_over_limit_run_is_refused_at_once():
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "fabsim", "run", "five_station", "--horizon", "100000 d"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert time.monotonic() - started < 30
    # 2.4e6 h x 60 min/h x (1/1.0 + 1/1.1 + 1/0.9 + 1/1.2 + 1/1.0) = 698,909,091 cycles.
    assert result.stderr.strip() == (
        "Five-station benchmark line: warm-up + horizon of 100,000 d means up to "
        "698,909,091 machine cycles per replication, over the limit of 100,000,000 "
        "(about 10 minutes each); shorten --horizon or --warmup"
    )


def test_replication_limit():
    result = subprocess.run(
        [sys.executable, "-m", "fabsim", "run", "five_station", "-n", "5000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "--replications must be between 1 and 1000, got 5000"
