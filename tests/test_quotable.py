"""Results a planner can quote: warnings, recorded overrides, shared bottlenecks, 80 columns.

Each test is one of the defects a planner hit (issue 13), checked against
what the tool must say or compute.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from rich.console import Console

import fabsim
from fabsim.report.compare_summary import compare_summary
from fabsim.report.run_summary import run_summary
from fabsim.spec import load_spec_text

SLOW_LINE = """
line: slow line
product: {item: cell, energy: 0.2 kWh}
run: {warmup: 0 h, horizon: 10 h, replications: 3}
steps:
  make: {makes: {part: 1}, cycle: {dist: exponential, mean: 6 min}}
  cure: {uses: {part: 1}, makes: {cell: 1}, machines: 400, cycle: 40 h}
"""


def fabsim_cli(*args: str, columns: int = 120) -> subprocess.CompletedProcess:
    env = {"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "fabsim", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_a_window_with_no_finished_unit_says_so():
    spec = load_spec_text(SLOW_LINE, "slow.yaml")
    results = fabsim.simulate(spec, replications=3, seed=1, workers=1)
    # 40.1 h = the 6 min make step + the 40 h cure: the longest path of mean cycles.
    assert results.warnings[0] == (
        "No finished unit in the 10 h window: a unit needs at least 40.1 h to cross "
        "this line. Every rate and yield here is empty; run longer (--horizon) after a "
        "warm-up of at least that."
    )


def test_a_warm_up_shorter_than_the_lead_time_and_a_short_window_are_flagged():
    spec = load_spec_text(SLOW_LINE, "slow.yaml")
    results = fabsim.simulate(spec, replications=3, seed=1, horizon=30.0, warmup=20.0, workers=1)
    assert results.warnings[:2] == [
        "The warm-up (20 h) is shorter than the line's lead time (~40.1 h): statistics start "
        "before the line is full, so rates and yields come out low. Use --warmup 41 h or more.",
        "The window (30 h) is shorter than the line's lead time (~40.1 h): few units cross it "
        "from start to finish, and batch releases weigh heavily. Use a longer --horizon.",
    ]
    calm = fabsim.simulate(spec, replications=3, seed=1, horizon=400.0, warmup=200.0, workers=1)
    assert calm.warnings == []


def test_too_few_replications_are_flagged():
    spec = load_spec_text(SLOW_LINE, "slow.yaml")
    results = fabsim.simulate(spec, replications=2, seed=1, horizon=400.0, warmup=200.0, workers=1)
    assert results.warnings == [
        "Only 2 replications: the 95% interval rests on one degree of freedom and is very "
        "wide; use -n 5 or more."
    ]


def test_warnings_reach_stderr_the_summary_and_the_json(tmp_path):
    path = tmp_path / "slow.yaml"
    path.write_text(SLOW_LINE)
    printed = fabsim_cli("run", str(path), "--workers", "1")
    assert printed.returncode == 0, printed.stderr
    assert printed.stderr.startswith("warning: No finished unit in the 10 h window")
    assert "Warning: No finished unit in the 10 h window" in printed.stdout
    as_json = fabsim_cli("run", str(path), "--workers", "1", "--json")
    assert json.loads(as_json.stdout)["warnings"][0].startswith("No finished unit")


def test_overrides_show_in_the_header_the_json_and_out(tmp_path):
    sets = ("--set", "steps.stacking.machines=7", "--set", "run.seed=3")
    short = ("-n", "2", "--horizon", "1 d", "--warmup", "1 d", "--workers", "1")
    printed = fabsim_cli(
        "run", "three_step", *sets, *short, "--out", str(tmp_path / "out"), columns=250
    )
    assert printed.returncode == 0, printed.stderr
    header, reproduce = printed.stdout.splitlines()[:2]
    assert header.endswith("· --set steps.stacking.machines=7 --set run.seed=3")
    assert reproduce == (
        "reproduce: fabsim run three_step -n 2 --seed 3 --horizon '24 h' --warmup '24 h' "
        "--set steps.stacking.machines=7 --set run.seed=3"
    )
    saved = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert saved["overrides"] == ["steps.stacking.machines=7", "run.seed=3"]
    # The reproduce line is true: running it gives the same numbers.
    again = fabsim_cli(
        *reproduce.removeprefix("reproduce: fabsim ").replace("'", "").split(" ")[:2]
    )
    assert again.returncode == 0
    rerun = fabsim_cli(
        "run",
        "three_step",
        "-n",
        "2",
        "--seed",
        "3",
        "--horizon",
        "24 h",
        "--warmup",
        "24 h",
        *sets,
        "--workers",
        "1",
        "--json",
    )
    assert json.loads(rerun.stdout)["kpis"] == saved["kpis"]


def test_compare_takes_per_line_overrides_and_says_which_line_a_bad_one_fails_on():
    short = ("-n", "2", "--horizon", "1 d", "--warmup", "1 d", "--workers", "1", "--json")
    done = fabsim_cli(
        "compare", "three_step", "three_step", "--set-b", "steps.stacking.machines=5", *short
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["three_step"]["overrides"] == []
    assert data["three_step (2)"]["overrides"] == ["steps.stacking.machines=5"]
    assert data["command"].endswith("--set 2:steps.stacking.machines=5")
    named = fabsim_cli(
        "compare",
        "three_step",
        "five_station",
        "--set",
        "five_station:steps.S1.machines=2",
        *short,
    )
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["five_station"]["overrides"] == ["steps.S1.machines=2"]
    bad = fabsim_cli("compare", "three_step", "five_station", "--set", "steps.S1.machines=2")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "--set steps.S1.machines=2 (line three_step): steps.S1: no such field"
    )


TWIN_MIXERS = """
line: twin mixers
product: {item: cell, energy: 0.2 kWh}
run: {warmup: 1 h, horizon: 100 h}
buffers: {mix_a: 10, mix_b: 10}
steps:
  mixer_a: {makes: {mix_a: 1}, cycle: 60 s}
  mixer_b: {makes: {mix_b: 1}, cycle: 60 s}
  join: {uses: {mix_a: 1, mix_b: 1}, makes: {cell: 1}, cycle: 30 s}
"""


def test_two_steps_at_capacity_share_the_bottleneck():
    results = fabsim.simulate(load_spec_text(TWIN_MIXERS, "twin.yaml"), replications=3, seed=1)
    data = results.to_dict()["bottleneck"]
    assert data["steps"] == [
        {"step": "mixer_a", "sole": 0.0, "shared": pytest.approx(1.0)},
        {"step": "mixer_b", "sole": 0.0, "shared": pytest.approx(1.0)},
    ]
    # Sole shares plus the shared time cover the window once.
    sole = sum(results.step(s, "bottleneck_sole").mean for s in results.flow.order)
    assert sole + data["shared"] == pytest.approx(1.0)
    assert results.bottleneck_text == "mixer_a and mixer_b together (100% of the time, shared)"
    frame = results.steps_frame()
    assert frame.loc[frame.step == "mixer_a", "bottleneck_share"].tolist() == [1.0] * 3
    # Active periods count the window only: here never longer than the 100 h window.
    assert results.step("mixer_a", "mean_active_period_h").mean == pytest.approx(100.0)


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _cells(rendered: str) -> list[str]:
    return [cell.strip() for line in rendered.splitlines() for cell in re.split(r"[│┃]", line)]


@pytest.mark.parametrize("width", [80, 120])
def test_tables_stay_whole_at_80_columns(width):
    comparison = fabsim.compare(
        ["semi_solid", "all_solid_sulfide"], replications=2, seed=1, horizon=48.0, workers=2
    )
    console = Console(width=width, record=True, color_system=None)
    for renderable in compare_summary(comparison, width) + run_summary(
        comparison.lines["all_solid_sulfide"], width
    ):
        console.print(renderable)
    text = console.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for cell in _cells(text):  # a number cell is whole: never split over two lines
        if NUMBER.fullmatch(cell.split(" ")[0] or "-"):
            assert not cell.endswith(("±", ",")), cell


def test_an_override_outside_the_files_range_blames_the_override_and_names_the_line():
    bad = fabsim_cli(
        "compare", "three_step", "three_step", "--set-b", "steps.stacking.machines=3", "-n", "2"
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith(
        "--set steps.stacking.machines=3 (line three_step): steps.stacking.machines: "
        "3 is outside the range [4, 8] given for it in "
    )
    assert bad.stderr.strip().endswith(
        "three_step.yaml line 30; widen it, or set steps.stacking.ranges.machines beside the value"
    )


def test_steps_csv_names_the_item_its_counts_are_in_and_numbers_replications_from_one():
    results = fabsim.simulate("three_step", replications=2, seed=1, horizon=24.0, warmup=24.0)
    frame = results.steps_frame()
    cutting = frame[frame.step == "cutting"]
    assert cutting["item"].tolist() == ["sheet", "sheet"]
    assert cutting["replication"].tolist() == [1, 2]
    assert str(cutting["made"].dtype).startswith("int")
    assert (cutting["made"] == cutting["good"] + cutting["scrapped"]).all()
    assert results.replications_frame()["replication"].tolist() == [1, 2]


def test_stock_piled_up_in_a_buffer_is_not_counted_as_material_lost():
    # The maker runs twice as fast as its user and the buffer is unlimited:
    # half of what it makes is still in stock, none of it lost.
    line = """
line: stock
product: {item: cell, energy: 0.2 kWh}
steps:
  cut: {makes: {sheet: 1}, cycle: 30 s}
  stack: {uses: {sheet: 1}, makes: {cell: 1}, cycle: 60 s}
"""
    results = fabsim.simulate(
        load_spec_text(line, "stock.yaml"), replications=2, seed=1, horizon=10.0, warmup=1.0
    )
    assert results.kpi("material_yield.sheet").mean == pytest.approx(1.0, abs=0.01)


def test_the_reproduce_line_keeps_an_uneven_window_exact_and_the_override_order():
    # 200,000 min is 3333.33... h: a rounded window would change the numbers.
    printed = fabsim_cli("run", "five_station", "-n", "2", "--workers", "1", "--json")
    data = json.loads(printed.stdout)
    assert "--horizon '3333.3333333333335 h'" in data["command"]
    sets = ("--set", "1:steps.coating.machines=2", "--set", "steps.coating.machines=1")
    done = fabsim_cli(
        "compare",
        "three_step",
        "three_step",
        *sets,
        "-n",
        "2",
        "--horizon",
        "1 d",
        "--warmup",
        "1 d",
        "--workers",
        "1",
        "--json",
    )
    data = json.loads(done.stdout)
    assert data["three_step"]["overrides"] == [
        "steps.coating.machines=2",
        "steps.coating.machines=1",
    ]
    assert data["command"].endswith(
        "--set 1:steps.coating.machines=2 --set 1:steps.coating.machines=1 "
        "--set 2:steps.coating.machines=1"
    )


def test_a_line_that_makes_nothing_gets_a_plain_verdict():
    empty = load_spec_text(SLOW_LINE, "slow.yaml")
    spec = load_spec_text(TWIN_MIXERS, "twin.yaml")
    comparison = fabsim.compare([empty, spec], replications=3, seed=1, horizon=10.0, warmup=1.0)
    text = comparison.to_dict()["verdict"]["text"]
    # twin: 60 cells/h x 0.2 kWh x 8,760 h = 0.105 GWh/yr
    assert text[0] == "slow made no good energy in the window; twin made 0.105 GWh/yr."
    assert text[1] == "slow finished no good unit in the window."
    assert text[2] == "twin is limited by mixer_a and mixer_b together (100% of the time, shared)."
    assert comparison.winner() == "twin"


def test_three_lines_at_80_columns_fall_back_to_one_row_per_line():
    lines = ["three_step", "three_step", "three_step"]
    specs = [
        fabsim.load_spec(n, o)
        for n, o in zip(
            lines, ([], ["steps.stacking.machines=4"], ["steps.coating.machines=2"]), strict=True
        )
    ]
    comparison = fabsim.compare(specs, replications=2, seed=1, horizon=24.0, warmup=24.0)
    console = Console(width=80, record=True, color_system=None)
    for renderable in compare_summary(comparison, 80):
        console.print(renderable)
    text = console.export_text()
    assert "…" not in text
    assert " Good units/h     │ three_step     │" in text
    assert "│ three_step (3) │" in text


def test_stock_piled_up_further_down_the_line_is_not_counted_as_material_lost():
    # Slurry becomes rolls 1:1, and rolls pile up before the slow last step:
    # the slurry inside those rolls is kept, not lost.
    line = """
line: slow end
product: {item: cell, energy: 0.2 kWh}
steps:
  mix: {makes: {slurry: 1}, cycle: 30 s}
  coat: {uses: {slurry: 1}, makes: {roll: 1}, cycle: 30 s}
  pack: {uses: {roll: 1}, makes: {cell: 1}, cycle: 60 s}
"""
    results = fabsim.simulate(
        load_spec_text(line, "slow_end.yaml"), replications=2, seed=1, horizon=20.0, warmup=1.0
    )
    assert results.kpi("material_yield.slurry").mean == pytest.approx(1.0, abs=0.01)
    assert results.kpi("material_yield.roll").mean == pytest.approx(1.0, abs=0.01)
