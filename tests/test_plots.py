"""Each plot is built from fixed results; its title, labels and bars or points are checked."""

from __future__ import annotations

import struct

import pytest

from fabsim.analysis.comparison import Comparison
from fabsim.analysis.rampup import RampupResults
from fabsim.analysis.sensitivity import Effect, Parameter, SensitivityResults
from fabsim.analysis.stats import Estimate
from fabsim.experiment.points import Point
from fabsim.report import plots
from fabsim.sim.machine import STATES
from fabsim.sim.results import ReplicationResult
from tests.conftest import simulate_text

LINE = """\
line: Two steps
product: {item: cell, energy: 0.2 kWh}
run: {warmup: 5 h, horizon: 50 h}
costs: {currency: USD, labour: 30 USD/h, electricity: 0.1 USD/kWh}
buffers: {part: 20}
steps:
  coating:
    makes: {part: 1}
    cycle: {dist: exponential, mean: 50 s}
    yield: 0.95
    cost: {capex: 1 MUSD, life: 8 years}
  stacking:
    uses: {part: 1}
    makes: {cell: 1}
    cycle: {dist: exponential, mean: 60 s}
    yield: 0.9
    cost: {capex: 2 MUSD, life: 8 years}
"""


@pytest.fixture(scope="module")
def results():
    return simulate_text(LINE, replications=3)


def bars(axes) -> list:
    return [p for p in axes.patches if p.get_width() > 0 or p.get_height() > 0]


def test_states_has_one_bar_per_step_and_state_and_marks_the_bottleneck(results):
    figure = plots.states_figure(results)
    (axes,) = figure.axes
    assert axes.get_title() == "test: where each step's time goes"
    assert axes.get_xlabel() == "share of machine time (%)"
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert len(axes.patches) == 2 * len(STATES)
    top, share = results.bottleneck
    assert f"◆ {top} (bottleneck {share:.0%})" in labels
    # the bars of each step add up to its whole machine time
    for index in range(2):
        total = sum(p.get_width() for p in axes.patches if round(p.get_y() + 0.4) == index)
        assert total == pytest.approx(100.0, abs=1e-6)


def test_yield_waterfall_runs_from_started_to_good(results):
    figure = plots.yield_waterfall_figure(results)
    (axes,) = figure.axes
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels == ["started", "coating", "stacking", "good"]
    assert axes.get_ylabel() == "finished-unit equivalents per hour"
    started, *_, good = axes.patches
    assert good.get_height() == pytest.approx(results.kpi("good_rate_per_h").mean)
    assert axes.get_title().startswith("test: yield waterfall (good ")


def test_output_over_time_has_a_point_per_bin_and_shades_the_warmup(results):
    figure = plots.output_over_time_figure(results)
    (axes,) = figure.axes
    (mean_line, window_mean) = axes.get_lines()
    assert len(mean_line.get_xdata()) == min(len(r.series) for r in results.runs)
    assert axes.get_ylabel() == "good units per hour"
    assert axes.get_xlabel() == "time since start (h)"
    assert "warm-up" in [t.get_text() for t in axes.get_legend().get_texts()]


def test_compare_has_a_panel_per_kpi_with_a_bar_per_line(results):
    other = simulate_text(LINE.replace("mean: 60 s", "mean: 55 s"), replications=3)
    figure = plots.compare_figure(Comparison({"a": results, "b": other}))
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["GWh/yr", "Overall yield", "Cost per good kWh"]
    for axes in figure.axes:
        assert len(bars(axes)) == 2
    assert figure.axes[1].get_ylabel() == "Overall yield (%)"
    assert figure.axes[2].get_ylabel() == "Cost per good kWh (USD/kWh)"
    # no error bar of a yield reaches past 100%
    for line in figure.axes[1].get_lines():
        assert max(line.get_ydata()) <= 100.0 + 1e-9


def test_tornado_has_two_bars_per_parameter_largest_swing_first():
    def effect(path, low, high):
        return Effect(
            Parameter(0, path, "1", "2"),
            path,
            Estimate(low, low, low, 3),
            Estimate(high, high, high, 3),
            abs(high - low),
            Estimate(high - low, high - low, high - low, 3),
            False,
        )

    result = SensitivityResults(
        ["x"],
        "gwh_per_year",
        Estimate(1.0, 0.9, 1.1, 3),
        [effect("steps.a.cycle", 0.8, 1.2), effect("steps.b.yield", 0.95, 1.0)],
        3,
        1,
    )
    figure = plots.tornado_figure(result)
    (axes,) = figure.axes
    assert len(axes.patches) == 4
    assert [t.get_text() for t in axes.get_yticklabels()] == ["steps.a.cycle", "steps.b.yield"]
    assert axes.get_xlabel() == "GWh/yr"


def test_rampup_has_a_point_per_week_and_the_mature_rate():
    new = [
        ReplicationResult(r, 1, 0.0, 504.0, series_h=168.0, series=[840, 1344, 1596])
        for r in range(2)
    ]
    mature = [ReplicationResult(r, 1, 0.0, 100.0, finished=1000) for r in range(2)]
    figure = plots.rampup_figure(RampupResults("demo", new, mature, seed=1))
    (axes,) = figure.axes
    weekly, mature_line, ninety = axes.get_lines()
    assert list(weekly.get_xdata()) == [1, 2, 3]
    assert list(weekly.get_ydata()) == [5.0, 8.0, 9.5]
    assert list(mature_line.get_ydata()) == [10.0, 10.0]
    assert axes.get_xlabel() == "week since start"
    assert axes.get_title() == "demo: ramp-up"


def test_sweep_draws_the_kpi_against_the_swept_values():
    points = [
        Point(i, {"steps.a.cycle": c, "steps.a.machines": m})
        for i, (c, m) in enumerate([("40 s", "2"), ("50 s", "2"), ("40 s", "3"), ("50 s", "3")])
    ]
    rows = [
        {
            "steps.a.cycle": p.values["steps.a.cycle"],
            "steps.a.machines": int(p.values["steps.a.machines"]),
            "gwh_per_year": 1.0 + p.index,
            "gwh_per_year_lo": 0.9 + p.index,
            "gwh_per_year_hi": 1.1 + p.index,
        }
        for p in points
    ]
    figure = plots.sweep_figure(points, rows, "gwh_per_year")
    (axes,) = figure.axes
    assert axes.get_xlabel() == "steps.a.cycle (s)"
    assert axes.get_ylabel() == "GWh/yr"
    assert len(axes.get_legend().get_texts()) == 2  # one line per machine count
    first = axes.get_lines()[0]
    assert list(first.get_xdata()) == [40.0, 50.0]


def test_the_written_files_are_valid_pngs(results, tmp_path):
    paths = plots.write_plots(str(tmp_path), plots.line_plots(results))
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == [
        "output_over_time.png",
        "states.png",
        "yield_waterfall.png",
    ]
    for path in paths:
        _assert_png(path)


def _assert_png(path) -> None:
    """A PNG file (its signature) of at least 300 x 200 pixels (its IHDR)."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", head[16:24])
    assert width > 300 and height > 200, path


def test_the_docs_show_every_plot_of_the_reference_lines_as_a_valid_png():
    import pathlib

    folder = pathlib.Path("docs/img")
    expected = {
        "compare.png",
        "rampup.png",
        "sweep.png",
        "tornado.png",
        *(
            f"{line}_{name}.png"
            for line in ("semi_solid", "all_solid_sulfide")
            for name in ("states", "yield_waterfall", "output_over_time")
        ),
    }
    assert expected <= {p.name for p in folder.glob("*.png")}
    page = pathlib.Path("docs/plots.md").read_text(encoding="utf-8")
    # The page shows each kind of line plot once, for one of the two lines;
    # the other line's copy is in docs/img for readers who compare.
    for name in expected - {
        "semi_solid_states.png",
        "semi_solid_yield_waterfall.png",
        "all_solid_sulfide_output_over_time.png",
    }:
        assert f"img/{name}" in page, name
    for name in expected:
        _assert_png(folder / name)
