"""Cost, cell design, scenarios and --equal through the command line, as a planner uses them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

LINE = """\
line: Press line
product: {item: cell, energy: 0.2 kWh}
run: {warmup: 10 h, horizon: 200 h, replications: 3}
costs: {currency: USD, labour: 30 USD/h, electricity: 0.10 USD/kWh, wacc: 0.08,
        building: {area: 1000 m2, cost: 250 USD/m2/yr}}
scenarios:
  pilot_2026: {steps.press.yield: 0.6, steps.press.ranges.yield: [0.5, 0.99]}
steps:
  coating:
    makes: {sheet: 100}
    cycle: 30 min
    cost: {capex: 2 MUSD, life: 10 years, operators: 1, power: 50 kW, material: 40 USD}
  press:
    uses: {sheet: 10}
    makes: {cell: 1}
    machines: {machines}
    cycle: 6 min
    yield: 0.95
    cost: {capex: {capex}, life: 8 years, operators: 0.5, power: 20 kW, material: 3 USD}
    ranges: {yield: [0.9, 0.99]}
"""


def fabsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fabsim", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def lines(tmp_path):
    def write(name: str, machines: int, capex: str) -> str:
        path = tmp_path / f"{name}.yaml"
        text = LINE.replace("{machines}", str(machines)).replace("{capex}", capex)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_run_json_has_cost_per_kwh_the_breakdown_and_per_step_capex_and_scrap(lines):
    path = lines("a", 2, "1 MUSD")
    result = fabsim("run", path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    cost = data["kpis"]["cost_per_kwh"]
    parts = data["cost"]["per_kwh"]
    assert sum(parts[p]["mean"] for p in parts) == pytest.approx(cost["mean"], rel=1e-9)
    assert data["cost"]["capex_total"] == 2e6 + 2 * 1e6
    assert data["cost"]["currency"] == "USD"
    assert data["steps"]["press"]["capex"] == 2e6
    assert data["steps"]["press"]["scrap_value"]["mean"] > 0
    assert set(data["kpis"]["cost_per_good_unit"]) == {"mean", "ci95"}
    # the building: 1000 m2 x 250 USD a year, over the window, per good kWh
    made_kwh = data["kpis"]["good_rate_per_h"]["mean"] * 200 * 0.2
    building = 250_000 * 200 / 8760 / made_kwh
    assert parts["building"]["mean"] == pytest.approx(building, rel=0.05)


def test_a_scenario_is_named_in_the_header_and_in_the_command_that_reproduces_it(lines):
    path = lines("a", 2, "1 MUSD")
    result = fabsim("compare", path, f"{path}@pilot_2026", "-n", "2")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("fabsim compare · a vs a@pilot_2026 · 2 replications")
    assert f"reproduce: fabsim compare {path} {path}@pilot_2026 -n 2" in result.stdout
    assert "costs" in result.stdout and "more than one of a" in result.stdout.replace("\n", " ")


def test_an_unknown_scenario_is_refused_with_the_ones_the_file_has(lines):
    path = lines("a", 2, "1 MUSD")
    result = fabsim("run", f"{path}@pilot_2062")
    assert result.returncode == 2
    assert result.stderr == (
        f"{path}: no scenario 'pilot_2062' (did you mean 'pilot_2026'?) (scenarios: pilot_2026)\n"
    )


def test_equal_capex_scales_the_second_line_by_parallel_copies(lines):
    base = lines("big", 2, "1 MUSD")  # 2 MUSD coating + 2 x 1 MUSD presses
    small = lines("small", 1, "1 MUSD")  # 3 MUSD: x 4/3 -> 1 coater, 1 press (rounded)
    cheap = lines("cheap", 1, "0 MUSD")  # 2 MUSD coating only: x2 -> 2 coaters, 2 presses
    result = fabsim("compare", base, cheap, "-n", "2", "--equal", "capex", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cheap"]["steps"]["coating"]["machines"] == 2
    assert data["cheap"]["steps"]["press"]["machines"] == 2
    assert data["cheap"]["cost"]["capex_total"] == data["big"]["cost"]["capex_total"] == 4e6
    assert data["scaling"]["cheap"].startswith("cheap scaled x2 (parallel copies")
    assert "--equal capex" in data["command"]
    assert data["cheap"]["overrides"] == []
    result = fabsim("compare", base, small, "-n", "2", "--equal", "capex")
    assert "small scaled x1.33" in result.stdout


def test_equal_capex_needs_costs_on_both_lines(lines, tmp_path):
    base = lines("a", 2, "1 MUSD")
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        textwrap.dedent("""\
        line: No costs
        product: {item: cell, energy: 0.2 kWh}
        steps: {press: {makes: {cell: 1}, cycle: 6 min}}
        """),
        encoding="utf-8",
    )
    result = fabsim("compare", base, str(plain), "--equal", "capex", "-n", "2")
    assert result.returncode == 2
    assert result.stderr == (
        "--equal capex: needs capex on both lines; plain has none "
        "(give its steps cost: {capex: ...})\n"
    )


# 40 double-sided cathodes of 200 x 100 mm at 20 mg/cm2, 95% active, 160 mAh/g, 3.2 V
CELL_LINE = """\
line: Cell
product: {item: cell}
cell:
  voltage: 3.2 V
  cathode: {loading: 20 mg/cm2, active_fraction: 0.95, specific_capacity: 160 mAh/g,
            sheet: [200 mm, 100 mm], layers: 40}
steps:
  cut: {makes: {cathode_sheet: 100}, cycle: 1 min}
  stacking: {uses: {cathode_sheet: SHEETS}, makes: {cell: 1}, cycle: 60 s}
"""


def cell_line(folder, sheets_stacked: int) -> str:
    """The cell line with a stacker that takes ``sheets_stacked`` cathodes per cell."""
    path = folder / "cell.yaml"
    path.write_text(CELL_LINE.replace("SHEETS", str(sheets_stacked)), encoding="utf-8")
    return str(path)


def test_the_cell_command_prints_the_design_as_json(tmp_path):
    path = cell_line(tmp_path, sheets_stacked=40)
    result = fabsim("cell", path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # 0.020 g/cm2 x 200 cm2 x 2 sides x 40 layers = 320 g; x 0.95 x 160 mAh/g = 48.64 Ah
    assert data["capacity_ah"] == pytest.approx(48.64)
    assert data["energy_wh"] == pytest.approx(48.64 * 3.2)
    assert data["sheets"] == {"cathode_sheet": 40}
    assert data["picks"] == 40
    assert data["mass_g"]["cathode_coating"] == pytest.approx(320.0)


def test_validate_warns_when_stacking_uses_disagree_with_the_cell_design(tmp_path):
    path = cell_line(tmp_path, sheets_stacked=39)
    result = fabsim("validate", path)
    assert result.returncode == 0
    assert result.stderr == (
        "warning: steps.stacking uses 39 cathode_sheet per cell, the cell design 40 "
        "(cell.cathode.layers)\n"
    )


@pytest.mark.parametrize("by", ["capex", "output"])
def test_the_reference_lines_scale_to_each_other_without_breaking_their_specs(by):
    from fabsim.analysis.equalize import equalize, size
    from fabsim.spec import load_spec

    base, other = load_spec("semi_solid"), load_spec("all_solid_sulfide")
    (_, scaled), notes = equalize([base, other], by)
    # whole machines cannot hit the target exactly; the closest rounding is kept
    assert size(scaled, by) == pytest.approx(size(base, by), rel=0.15)
    assert abs(size(scaled, by) / size(base, by) - 1) < abs(size(other, by) / size(base, by) - 1)
    assert scaled.overrides == () and scaled.loaded_with  # the scaling is kept apart
    area = scaled.costs.dry_room.area / other.costs.dry_room.area
    assert area == pytest.approx(
        float(notes["all_solid_sulfide"].split(" x")[1].split()[0]), rel=0.01
    )
