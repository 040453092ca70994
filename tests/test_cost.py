"""Cost per kWh and the cell design against hand calculations.

The one-step line of issue 10: a 60 s cycle on one machine makes 60 units of
1 kWh an hour. Per hour: material 60 x 10 USD = 600; capital 8.76 MUSD / 10
years = 876,000 USD a year = 100 USD/h; one operator 30 USD/h; 60 kW x 0.10
USD/kWh = 6 USD/h. (600 + 100 + 30 + 6) / 60 kWh = 12.2667 USD/kWh. At yield
0.5 the same costs buy half the good kWh: 24.533 USD/kWh.
"""

from __future__ import annotations

import math

import pytest
import yaml

from fabsim.analysis.cost import capex_by_step
from fabsim.spec import SpecError, load_spec_text
from fabsim.spec.cell_design import design_of
from fabsim.spec.cost_models import capital_recovery_factor
from tests.conftest import simulate_text

COSTS = {"currency": "USD", "labour": "30 USD/h", "electricity": "0.10 USD/kWh", "wacc": 0}
STEP_COST = {
    "capex": "8.76 MUSD",
    "life": "10 years",
    "operators": 1,
    "power": "60 kW",
    "material": "10 USD",
}


def one_step(yield_: float, horizon: str = "10000 h") -> str:
    line = {
        "line": "one step with costs",
        "product": {"item": "module", "energy": "1 kWh"},
        "run": {"warmup": "0 h", "horizon": horizon, "replications": 3},
        "costs": COSTS,
        "steps": {
            "assembly": {
                "makes": {"module": 1},
                "cycle": "60 s",
                "yield": yield_,
                "cost": STEP_COST,
            }
        },
    }
    return yaml.safe_dump(line, sort_keys=False)


def test_the_one_step_line_costs_12_27_usd_per_kwh_at_yield_one():
    results = simulate_text(one_step(1.0), replications=3)
    # deterministic: only the unit in process at the window's end is off the
    # hand calculation (material bought for it, not yet good): 1 in 600,000
    assert results.kpi("cost_per_kwh").mean == pytest.approx(12.2667, rel=0.005)
    assert results.kpi("cost_per_good_unit").mean == pytest.approx(12.2667, rel=0.005)
    parts = {p: results.kpi(f"cost.{p}").mean for p in ("materials", "capital", "labour")}
    assert parts == pytest.approx({"materials": 10, "capital": 100 / 60, "labour": 0.5}, rel=1e-3)
    assert results.kpi("cost.energy").mean == pytest.approx(0.1, rel=1e-3)
    assert results.kpi("cost.building").mean == 0
    assert results.kpi("scrap_value").mean == 0


def test_at_yield_one_half_the_same_line_costs_twice_as_much_per_kwh():
    results = simulate_text(one_step(0.5), replications=3)
    # good units are binomial(600,000, 0.5) per replication: relative SE of
    # the 3-replication mean 0.0013 / sqrt(3) = 0.0008, so 0.5% is 6 SE
    assert results.kpi("cost_per_kwh").mean == pytest.approx(2 * 12.2667, rel=0.005)
    # half the units are scrapped, each worth 10 USD material + 1.6667 + 0.5
    # + 0.1 of processing: 30 scrapped/h x 8,760 h x 12.2667 USD a year
    assert results.kpi("scrap_value").mean == pytest.approx(30 * 8760 * 12.2667, rel=0.005)


def test_scrap_is_valued_at_what_the_unit_absorbed_up_to_the_step():
    line = {
        "line": "two steps",
        "product": {"item": "cell", "energy": "0.1 kWh"},
        "run": {"warmup": "0 h", "horizon": "100 h", "replications": 2},
        "costs": COSTS,
        "steps": {
            "cutting": {
                "makes": {"sheet": 10},
                "cycle": "60 s",
                "cost": {"material": "5 USD"},
            },
            "stacking": {
                "uses": {"sheet": 20},
                "makes": {"cell": 1},
                "cycle": "60 s",
                "machines": 2,
                "yield": 0.5,
                "cost": {"material": "2 USD"},
            },
        },
    }
    results = simulate_text(yaml.safe_dump(line, sort_keys=False), replications=2)
    # a sheet: 5 USD / 10 sheets = 0.5; a cell: 20 sheets x 0.5 + 2 = 12 USD
    assert results.kpi("unit_value.sheet").mean == pytest.approx(0.5)
    assert results.kpi("unit_value.cell").mean == pytest.approx(12.0)
    made = [r.steps["stacking"].scrapped for r in results.runs]
    per_year = 8760 / 100
    expected = sum(n * 12 * per_year for n in made) / len(made)
    assert results.kpi("scrap_value.stacking").mean == pytest.approx(expected)


def test_the_capital_recovery_factor_is_the_annuity_formula():
    # capex x wacc / (1 - (1 + wacc)^-life): 1 M at 8% over 8 years = 174,015 a year
    assert 1e6 * capital_recovery_factor(0.08, 8) == pytest.approx(174014.76, abs=0.01)
    assert capital_recovery_factor(0.0, 8) == 1 / 8


def test_capex_is_machines_times_capex_per_machine():
    spec = load_spec_text(one_step(1.0).replace("cycle: 60 s", "cycle: 60 s\n    machines: 3"))
    assert capex_by_step(spec) == {"assembly": 3 * 8.76e6}


CELL = {
    "voltage": "3.65 V",
    "cathode": {
        "loading": "23 mg/cm2",
        "active_fraction": 0.80,
        "specific_capacity": "190 mAh/g",
        "sheet": ["400 mm", "105 mm"],
        "layers": 27,
        "se_fraction": 0.15,
    },
    "anode": {
        "loading": "12 mg/cm2",
        "active_fraction": 0.85,
        "specific_capacity": "420 mAh/g",
        "sheet": ["404 mm", "109 mm"],
        "layers": 28,
    },
    "electrolyte_layers": {
        "per_cathode": 2,
        "thickness": "30 um",
        "density": "1.9 g/cm3",
        "li2s_fraction": 0.40,
        "sheet": ["408 mm", "113 mm"],
    },
}


def cell_line(cell: dict, energy: str | None = None) -> str:
    product = {"item": "cell"} | ({"energy": energy} if energy else {})
    line = {
        "line": "cell design",
        "product": product,
        "cell": cell,
        "steps": {"stacking": {"makes": {"cell": 1}, "cycle": "60 s"}},
    }
    return yaml.safe_dump(line, sort_keys=False)


def test_capacity_energy_sheets_and_masses_follow_the_arithmetic():
    spec = load_spec_text(cell_line(CELL))
    design = design_of(spec.cell)
    cathode_cm2 = 40.0 * 10.5 * 2 * 27  # 22,680 cm2 coated
    cathode_g = 0.023 * cathode_cm2  # 521.64 g of coating
    capacity = cathode_g * 0.80 * 190 / 1000  # 79.289 Ah
    assert design.capacity_ah == pytest.approx(capacity, rel=1e-12)
    assert design.capacity_ah == pytest.approx(79.289, abs=1e-3)
    assert design.energy_wh == pytest.approx(capacity * 3.65, rel=1e-12)
    assert spec.product.energy == pytest.approx(capacity * 3.65 / 1000, rel=1e-12)
    assert design.sheets == {"cathode_sheet": 27, "anode_sheet": 28, "se_sheet": 54}
    assert design.picks == 109
    anode_g = 0.012 * 40.4 * 10.9 * 2 * 28
    assert design.np_ratio == pytest.approx(anode_g * 0.85 * 420 / 1000 / capacity)
    layers_g = 54 * 40.8 * 11.3 * 0.003 * 1.9  # cm2 x cm x g/cm3
    se_g = layers_g + cathode_g * 0.15
    assert design.mass_g["electrolyte_layers"] == pytest.approx(layers_g)
    assert design.mass_g["solid_electrolyte"] == pytest.approx(se_g)
    assert design.mass_g["li2s"] == pytest.approx(0.40 * se_g)
    assert design.mass_g["cathode_active"] == pytest.approx(cathode_g * 0.80)


def test_an_energy_that_disagrees_with_the_cell_design_names_both_lines():
    text = cell_line(CELL, energy="0.365 kWh")
    with pytest.raises(SpecError) as error:
        load_spec_text(text, "cell.yaml")
    energy_line = 1 + text.splitlines().index("  energy: 0.365 kWh")
    cell_at = 1 + text.splitlines().index("cell:")
    assert str(error.value) == (
        f"cell.yaml:{energy_line}: product.energy: 0.365 kWh differs by 26.1% from the "
        f"0.2894 kWh of the cell design (cell:, line {cell_at}); leave energy out to use "
        "the design's, or correct one"
    )


def test_an_energy_within_one_percent_of_the_design_is_accepted():
    spec = load_spec_text(cell_line(CELL, energy="0.29 kWh"))
    assert spec.product.energy == 0.29
    assert not spec.energy_from_cell
    assert math.isclose(design_of(spec.cell).energy_wh, 289.4, rel_tol=1e-3)
