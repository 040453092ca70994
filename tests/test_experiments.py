"""Experiments against hand calculations: sensitivity, break-even, plan and sweep.

The lines here are deterministic where the arithmetic must come out exactly;
where a count is cut at the window's ends, the tolerance is one unit of it.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import fabsim
from fabsim.analysis.kpis import HOURS_PER_YEAR

WINDOW_H = 1000.0
# two steps, constant cycles: the stacker (90 s, 40 units/h) limits; the
# coater (60 s for 1 unit = 60 units/h) never does within its range [40 s, 70 s]
TWO_STEPS = """\
line: Two steps
product: {item: cell, energy: 1 kWh}
run: {warmup: 10 h, horizon: 1000 h, replications: 3}
buffers: {part: 50}
steps:
  coating:
    makes: {part: 1}
    cycle: {dist: lognormal, mean: 60 s, cv: 0.05}
    ranges: {cycle.mean: [40 s, 70 s]}
  stacking:
    uses: {part: 1}
    makes: {cell: 1}
    cycle: 90 s
    ranges: {cycle: [80 s, 100 s]}
"""


def gwh(units_per_h: float, kwh: float = 1.0) -> float:
    return units_per_h * kwh * HOURS_PER_YEAR / 1e6


ONE_UNIT = gwh(1 / WINDOW_H)  # one unit more or less in the window, in GWh/yr


@pytest.fixture
def write(tmp_path):
    def written(name: str, text: str) -> str:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return written


def test_sensitivity_ranks_the_bottleneck_cycle_first_with_the_arithmetic_swing(write):
    result = fabsim.sensitivity(write("two", TWO_STEPS), replications=3, workers=1)
    first, second = result.effects
    assert first.label == "steps.stacking.cycle"
    # 3600/80 - 3600/100 = 45 - 36 = 9 units/h
    assert first.swing == pytest.approx(gwh(9.0), rel=0.02)
    assert first.low.mean == pytest.approx(gwh(45.0), rel=0.02)
    assert second.label == "steps.coating.cycle.mean"
    # the coater never limits: zero within the CI of the paired difference,
    # give or take the one unit a shifted start can move across the window's end
    assert abs(second.swing_ci.mean) <= (second.swing_ci.half_width or 0.0) + 2 * ONE_UNIT


def test_two_lines_sensitivity_is_on_their_difference_and_marks_flips(write):
    faster = write("faster", TWO_STEPS.replace("cycle: 90 s", "cycle: 85 s"))
    result = fabsim.sensitivity(
        [write("two", TWO_STEPS), faster],
        replications=3,
        workers=1,
        only=["two:steps.stacking.cycle"],
    )
    (effect,) = result.effects
    # base: 3600/85 - 3600/90 = 2.35 units/h ahead; the first line's stacker at
    # 80 s makes 45/h, 2.65 more than the second's 42.35: the verdict flips
    assert result.base.mean == pytest.approx(gwh(3600 / 85 - 40), rel=0.02)
    assert effect.low.mean == pytest.approx(gwh(3600 / 85 - 45), rel=0.05)
    assert effect.flips


def test_breakeven_finds_the_cycle_at_which_the_slower_line_matches(write):
    fast = write("fast", TWO_STEPS.replace("cycle: 90 s", "cycle: 84 s"))
    slow = write(
        "slow",
        TWO_STEPS.replace("ranges: {cycle: [80 s, 100 s]}", "ranges: {cycle: [60 s, 120 s]}"),
    )
    result = fabsim.breakeven(fast, slow, "steps.stacking.cycle", replications=3, workers=1)
    assert result.reachable
    assert result.value == pytest.approx(84.0, rel=0.01)


def test_breakeven_says_when_no_value_in_the_range_closes_the_gap(write):
    fast = write(
        "fast",
        TWO_STEPS.replace("cycle: 90 s", "cycle: 70 s").replace("[80 s, 100 s]", "[60 s, 100 s]"),
    )
    result = fabsim.breakeven(
        fast, write("slow", TWO_STEPS), "steps.stacking.cycle", replications=3, workers=1
    )
    assert not result.reachable
    # best at 80 s: 45 units/h against 3600/70 = 51.4
    assert result.best_value == pytest.approx(80.0)
    assert result.gap_at_best.mean == pytest.approx(gwh(45 - 3600 / 70), rel=0.02)


PLAN_LINE = """\
line: Plan
product: {item: cell, energy: 2 kWh}
run: {warmup: 2 h, horizon: 300 h, replications: 2}
steps:
  coating:
    makes: {sheet: 10}
    cycle: 60 s
  stacking:
    uses: {sheet: 10}
    makes: {cell: 1}
    machines: 2
    cycle: 120 s
    yield: 0.9
"""


def test_plan_returns_the_machine_counts_the_arithmetic_gives(write):
    # 1.5 GWh/yr of 2 kWh cells = 85.6 good cells/h. Stacking: 30 cells/h a
    # machine x 0.9 = 27 good -> ceil(85.6 / 27) = 4. Coating: 10 sheets a
    # minute = 60 cells' worth/h x 0.9 downstream = 54 good -> ceil(1.59) = 2.
    result = fabsim.plan(write("plan", PLAN_LINE), "1.5 GWh/yr", replications=2, workers=1)
    assert result.feasible
    assert result.changes == {"steps.coating.machines": 2, "steps.stacking.machines": 4}
    assert result.kpis["gwh_per_year"]["ci95"][0] >= 1.5


def test_plan_says_how_many_copies_when_one_line_cannot(write):
    result = fabsim.plan(
        write("plan", PLAN_LINE), "1.5 GWh/yr", replications=2, workers=1, max_machines=3
    )
    assert not result.feasible
    # at 3 stackers: 81 good cells/h = 1.42 GWh/yr -> 2 copies
    assert result.copies == 2


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fabsim", *args],
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


SWEEP_LINE = TWO_STEPS.replace("replications: 3", "replications: 2").replace(
    "horizon: 1000 h", "horizon: 200 h"
)


def test_a_sweep_point_equals_the_matching_run_bit_for_bit(write, tmp_path):
    spec = write("two", SWEEP_LINE)
    out = tmp_path / "sweep"
    done = run_cli(
        "sweep",
        spec,
        "--set",
        "steps.stacking.cycle=80 s,95 s",
        "--set",
        "steps.coating.cycle.mean=50 s..60 s:10 s",
        "-n",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(out / "points.parquet")
    paths = ["steps.stacking.cycle", "steps.coating.cycle.mean"]
    kpis = [
        "good_rate_per_h",
        "gwh_per_year",
        "overall_yield",
        "rolled_throughput_yield",
        "escaped_ppm",
        "wip",
        "lead_time_h",
    ]
    assert list(frame.columns) == paths + [
        name for kpi in kpis for name in (kpi, f"{kpi}_lo", f"{kpi}_hi")
    ]
    assert frame[paths].values.tolist() == [
        ["80 s", "50 s"],
        ["80 s", "60 s"],
        ["95 s", "50 s"],
        ["95 s", "60 s"],
    ]
    run = run_cli(
        "run",
        spec,
        "--set",
        "steps.stacking.cycle=95 s",
        "--set",
        "steps.coating.cycle.mean=50 s",
        "-n",
        "2",
        "--json",
    )
    kpi = json.loads(run.stdout)["kpis"]["gwh_per_year"]
    row = frame.iloc[2]
    assert (row["gwh_per_year"], row["gwh_per_year_lo"], row["gwh_per_year_hi"]) == (
        kpi["mean"],
        *kpi["ci95"],
    )
    assert pd.read_csv(out / "points.csv").shape == frame.shape


def test_an_interrupted_sweep_resumed_gives_the_uninterrupted_table(write, tmp_path):
    spec = write("two", SWEEP_LINE)
    args = [
        "sweep",
        spec,
        "--set",
        "steps.stacking.cycle=80 s..100 s:1 s",  # 21 points of about 0.15 s each
        "-n",
        "2",
        "--horizon",
        "1000 h",
        "--workers",
        "1",
    ]
    whole = tmp_path / "whole"
    assert run_cli(*args, "--out", str(whole)).returncode == 0
    part = tmp_path / "part"
    process = subprocess.Popen(
        [sys.executable, "-m", "fabsim", *args, "--out", str(part)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (part / "points.journal.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)  # Ctrl-C after the first point
    _, stderr = process.communicate(timeout=120)
    written = pd.read_csv(part / "points.csv")  # written on Ctrl-C, with every finished point
    assert 1 <= len(written) < 21  # the interrupt came well before the end
    assert not (part / "points.journal.jsonl").exists()
    assert process.returncode == 130, stderr
    assert "run again with --resume" in stderr
    again = run_cli(*args, "--out", str(part))
    assert again.returncode == 2
    assert "already holds a sweep; add --resume" in again.stderr
    resumed = run_cli(*args, "--out", str(part), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(part / "points.parquet"), pd.read_parquet(whole / "points.parquet")
    )
    assert (part / "points.csv").read_text() == (whole / "points.csv").read_text()


def test_a_killed_sweep_loses_no_finished_point(write, tmp_path):
    # SIGKILL leaves no time to write the tables: the journal holds the points.
    spec = write("two", SWEEP_LINE)
    args = ["sweep", spec, "--set", "steps.stacking.cycle=80 s..100 s:1 s", "-n", "2"]
    args += ["--horizon", "1000 h", "--workers", "1"]
    whole = tmp_path / "whole"
    assert run_cli(*args, "--out", str(whole)).returncode == 0
    assert not (whole / "points.journal.jsonl").exists()
    part = tmp_path / "part"
    process = subprocess.Popen(
        [sys.executable, "-m", "fabsim", *args, "--out", str(part)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = part / "points.journal.jsonl"
    deadline = time.monotonic() + 120
    while not journal.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()
    process.wait(timeout=60)
    # Finished points are in the journal, or in the tables written since.
    tables = pd.read_csv(part / "points.csv") if (part / "points.csv").exists() else []
    journalled = journal.read_text().splitlines() if journal.exists() else []
    assert 1 <= len(tables) + len(journalled) < 21
    with journal.open("a") as stream:  # as if killed halfway through writing a line
        stream.write('{"point": 20, "row": {"steps.stac')
    resumed = run_cli(*args, "--out", str(part), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(part / "points.parquet"), pd.read_parquet(whole / "points.parquet")
    )
    assert (part / "points.csv").read_text() == (whole / "points.csv").read_text()
    assert not journal.exists()


def test_sweep_sample_draws_latin_hypercube_points_within_the_ranges(write):
    points, rows = fabsim.sweep(write("two", SWEEP_LINE), sample=4, replications=2, workers=1)
    assert len(rows) == 4
    stacker = sorted(float(p.values["steps.stacking.cycle"].split()[0]) for p in points)
    # one point in each quarter of [80 s, 100 s]
    assert [math.floor((v - 80) / 5) for v in stacker] == [0, 1, 2, 3]


@pytest.mark.skipif(os.environ.get("FABSIM_SKIP_DASK") == "1", reason="FABSIM_SKIP_DASK=1")
def test_the_json_is_byte_identical_on_every_executor_and_worker_count(write):
    spec = write("two", SWEEP_LINE)
    outputs = [
        run_cli("run", spec, "-n", "3", "--json", *extra).stdout
        for extra in (
            ["--workers", "1"],
            ["--workers", "2"],
            ["--scheduler", "dask-local", "--workers", "2"],
        )
    ]
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


def test_sensitivity_varies_line_level_ranges_too(write):
    # a disturbance that stops the stacker (the bottleneck) 6 h every 700 h:
    # at every 300 h it stops 3 or 4 times in the 1,000 h window (18-24 h
    # lost), at every 2,000 h at most once (0-6 h): 12 to 24 h of 40 units/h
    line = TWO_STEPS + (
        "disturbances:\n"
        "  dry_room:\n"
        "    every: {dist: constant, value: 700 h}\n"
        "    duration: 6 h\n"
        "    stops: [stacking]\n"
        "ranges:\n"
        "  disturbances.dry_room.every.value: [300 h, 2000 h]\n"
    )
    result = fabsim.sensitivity(
        write("dry", line), replications=3, workers=1, only=["disturbances.dry_room.every.value"]
    )
    (effect,) = result.effects
    assert effect.parameter.low == "300 h"
    assert gwh(12 * 40 / WINDOW_H) - 2 * ONE_UNIT <= effect.swing
    assert effect.swing <= gwh(24 * 40 / WINDOW_H) + 2 * ONE_UNIT
    assert effect.high.mean > effect.low.mean


COSTED = TWO_STEPS.replace(
    "run: {warmup: 10 h, horizon: 1000 h, replications: 3}",
    "run: {warmup: 10 h, horizon: 200 h, replications: 3}\n"
    "costs: {currency: USD, labour: 30 USD/h, electricity: 0.10 USD/kWh}",
).replace(
    "    ranges: {cycle: [80 s, 100 s]}",
    "    ranges: {cycle: [80 s, 100 s], cost.capex: [0.5 MUSD, 2 MUSD]}\n"
    "    cost: {capex: 1 MUSD, life: 8 years, operators: 1, power: 20 kW}",
)


def test_a_cost_parameter_reuses_the_base_runs_and_equals_a_full_run(write):
    path = write("costed", COSTED)
    simulated = []
    result = fabsim.sensitivity(
        path,
        kpi="cost_per_kwh",
        replications=3,
        workers=1,
        only=["steps.stacking.cost.capex"],
        progress=simulated.append,
    )
    assert len(simulated) == 3  # the base runs only: low and high reuse them
    (effect,) = result.effects
    full = fabsim.simulate(
        fabsim.load_spec(path, ["steps.stacking.cost.capex=2 MUSD"]), replications=3, workers=1
    )
    assert effect.high.mean == full.kpi("cost_per_kwh").mean
    # capital is capex / 8 years: the 1.5 MUSD swing is 187,500 USD a year
    made_kwh = full.kpi("good_rate_per_h").mean * 8760
    assert effect.swing == pytest.approx(1.5e6 / 8 / made_kwh, rel=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["sweep", "three_step", "--set", "steps.stacking.machines=1e400..2"],
            "--set steps.stacking.machines=1e400..2: steps.stacking.machines: '1e400..2': "
            "numbers out of range",
        ),
        (
            [
                "sweep",
                "three_step",
                "--set",
                "steps.stacking.machines=4,5",
                "--set",
                "steps.stacking.machines=6,7",
            ],
            "--set steps.stacking.machines=6,7: steps.stacking.machines: is swept twice; "
            "give it once",
        ),
        (
            [
                "breakeven",
                "three_step",
                "three_step",
                "--vary",
                "steps.stacking.cycle.mean",
                "--between",
                "abc",
                "def",
            ],
            "--between abc def: 'abc' is not a number with an optional unit",
        ),
        (
            ["sensitivity", "three_step", "--kpi", "cost_per_kwh"],
            "--kpi cost_per_kwh: three_step has no costs: block",
        ),
        (
            ["plan", "three_step", "--target", "0.5 GWh/yr", "-n", "1"],
            "-n 1: plan needs 2 or more replications: a target counts as reached by the lower "
            "end of a 95% interval, and one replication has none",
        ),
        (
            ["run", "all_solid_sulfide@pilot_2026", "--scenario", "mature_2030"],
            "all_solid_sulfide@pilot_2026: names scenario 'pilot_2026' and --scenario "
            "'mature_2030'; give one",
        ),
    ],
)
def test_bad_experiment_input_gets_one_line_and_exit_2(args, message):
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stderr == message + "\n"


def test_a_sweep_does_not_resume_onto_a_changed_spec(write, tmp_path):
    spec = write("two", SWEEP_LINE)
    args = ["sweep", spec, "--set", "steps.stacking.cycle=80 s,90 s", "-n", "2"]
    out = tmp_path / "sweep"
    assert run_cli(*args, "--out", str(out)).returncode == 0
    write("two", SWEEP_LINE.replace("cycle: 90 s", "cycle: 95 s"))
    again = run_cli(*args, "--out", str(out), "--resume")
    assert again.returncode == 2
    assert "holds a different sweep (the spec file, its overrides" in again.stderr


def test_sampling_the_shipped_lines_respects_units_and_whole_numbers():
    from fabsim.analysis.sweep import range_bounds, sweep_points

    spec = fabsim.load_spec("semi_solid")
    points = sweep_points(spec, [], sample=4, seed=1)
    bounds = range_bounds(spec)
    every = [p.values["calendar.maintenance.0.every"] for p in points]  # [1 week, 4 weeks]
    assert all(1 <= float(v.split()[0]) <= 4 and v.endswith(" week") for v in every)
    operators = {p.values["steps.stacking.cost.operators"] for p in points}
    assert len(operators) == 4  # a continuous field: four strata, four values
    machines = [p.values["steps.stacking.machines"] for p in points]
    low, high = bounds["steps.stacking.machines"]
    assert all(v.isdigit() and low <= int(v) <= high for v in machines)


def test_experiments_may_go_past_a_range_and_plan_says_to_widen_it(write):
    # the stacker's cycle range is [80 s, 100 s]; search 60 s to 120 s anyway
    fast = write(
        "fast",
        TWO_STEPS.replace("cycle: 90 s", "cycle: 70 s").replace("[80 s, 100 s]", "[60 s, 100 s]"),
    )
    result = fabsim.breakeven(
        fast,
        write("slow", TWO_STEPS),
        "steps.stacking.cycle",
        ("60 s", "120 s"),
        replications=2,
        workers=1,
    )
    assert result.reachable and result.value == pytest.approx(70.0, rel=0.01)
    # a deterministic line: the gap has no noise, so its interval is the value itself
    low, high = result.value_ci
    assert high - low < 0.01 * result.value
    ranged = write(
        "plan",
        PLAN_LINE.replace("    yield: 0.9\n", "    yield: 0.9\n    ranges: {machines: [1, 3]}\n"),
    )
    plan = fabsim.plan(ranged, "1.5 GWh/yr", replications=2, workers=1)
    # 4 stackers: the hand calculation in
    # test_plan_returns_the_machine_counts_the_arithmetic_gives; the range
    # [1, 3] the file gives is widened to take them.
    assert plan.changes["steps.stacking.machines"] == 4
    assert plan.changes["steps.stacking.ranges.machines"] == [1, 4]
