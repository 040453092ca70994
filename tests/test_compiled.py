"""The compiled engine is the Python engine: same numbers, current, its examples run.

``hatch_build.py`` compiles the cycle path (clock, draws, buffers, machines)
with Cython at install. These tests run only where it was compiled; a
machine without a C compiler runs the plain Python they compare against.
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fabsim.sim.build import CORE, compiled_modules, stale_modules

ROOT = Path(__file__).resolve().parents[1]
compiled = pytest.mark.skipif(
    not compiled_modules(), reason="the engine is not compiled here (plain Python)"
)


@compiled
def test_every_engine_module_is_compiled_and_current():
    assert compiled_modules() == list(CORE)
    assert stale_modules() == [], (
        "edited after it was compiled: rebuild with `make test` "
        "or `.venv/bin/python hatch_build.py`"
    )


@compiled
@pytest.mark.parametrize("name", CORE)
def test_the_compiled_modules_examples_all_run(name):
    # pytest's own doctest collector refuses a compiled module (conftest.py).
    module = importlib.import_module(f"fabsim.sim.{name}")
    source = (ROOT / "fabsim" / "sim" / f"{name}.py").read_text()
    prompts = sum(line.lstrip().startswith(">>>") for line in source.splitlines())
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted >= prompts > 0


def _run_json(pythonpath: Path, cwd: Path, spec: str, *options: str) -> str:
    argv = ["run", str(ROOT / "process_specs" / spec), "-n", "2", "--workers", "1", "--json"]
    code = (
        f"import sys; sys.argv = ['fabsim', *{[*argv, *options]!r}]; "
        "from fabsim.cli import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@compiled
@pytest.mark.parametrize(
    "spec, options",
    [
        ("examples/five_station.yaml", ("--horizon", "20000 min")),
        # latent defects, dwell limits, supplies, calendars, a batch press
        ("all_solid_sulfide.yaml", ("--horizon", "4 d", "--set", "run.warmup=2 d")),
        ("semi_solid.yaml", ("--horizon", "4 d", "--set", "run.warmup=2 d")),
    ],
)
def test_compiled_and_plain_python_give_the_same_numbers_to_the_last_digit(tmp_path, spec, options):
    plain = tmp_path / "plain"
    shutil.copytree(
        ROOT / "fabsim",
        plain / "fabsim",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
    )
    probe = "import fabsim.sim.machine as m; print(m.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(plain)},
        cwd=tmp_path,  # not the project: python -c puts the working folder first
        check=True,
    ).stdout
    assert where.strip().endswith(".py") and str(plain) in where
    ours, theirs = (json.loads(_run_json(path, tmp_path, spec, *options)) for path in (ROOT, plain))
    # The copy has no shipped lines beside it: its command and source name the file.
    for run in (ours, theirs):
        del run["command"], run["source"]
    assert json.dumps(ours) == json.dumps(theirs)


def test_a_defect_rate_far_below_any_real_one_runs_and_makes_no_defect():
    # The count of good units to the next defect is ~1/p: past 2**63 for
    # p = 1e-25, where a 64-bit count in the compiled engine overflowed.
    from tests.conftest import simulate_text

    results = simulate_text(
        """
        line: Tiny defect rate
        product: {item: cell, energy: 0.3 kWh}
        run: {warmup: 1 h, horizon: 20 h}
        steps:
          stacking:
            makes: {stack: 1}
            cycle: 60 s
            defects: {crack: 1.0e-25}
          press:
            uses: {stack: 1}
            makes: {cell: 1}
            cycle: 50 s
            detects: {crack: 0.5}
        """,
        replications=2,
    )
    assert [run.finished for run in results.runs] == [1200, 1200]  # 20 h of one a minute
    assert all(run.escaped == {"crack": 0} for run in results.runs)
