"""The reference lines: hand-calculated capacity against simulation, fair comparison."""

from __future__ import annotations

import math

import pytest
import yaml

from fabsim.analysis.capacity import line_capacity
from fabsim.analysis.line_results import LineResults
from fabsim.analysis.stats import paired_difference, unpaired_difference
from fabsim.experiment.replications import run_replications
from fabsim.spec import load_spec, load_spec_text
from fabsim.spec.advice import spec_warnings
from fabsim.spec.catalog import resolve, shipped


def deterministic_variant(name: str):
    """The shipped line with every cycle at its mean, no breakdowns, no phenomena.

    The hand calculation is of the line itself: no calendar, disturbances,
    dwell limits or supplies (whose own hand checks are in test_phenomena),
    no scenarios (they name fields, such as ``cycle.mean``, that the
    constant cycles here no longer have) and no line-level ranges (they
    name the calendar, disturbances and supplies left out here).
    """
    with open(resolve(name)) as handle:
        data = yaml.safe_load(handle)
    for key in ("calendar", "disturbances", "supplies", "scenarios", "ranges"):
        data.pop(key, None)
    data["buffers"] = {
        item: entry["capacity"] if isinstance(entry, dict) else entry
        for item, entry in data.get("buffers", {}).items()
        if not isinstance(entry, dict) or "capacity" in entry
    }
    for step in data["steps"].values():
        for supplied in ("li2s",):
            step.get("uses", {}).pop(supplied, None)
            step.get("ranges", {}).pop(f"uses.{supplied}", None)
        if step.get("uses") == {}:
            del step["uses"]
        cycle = step["cycle"]
        if isinstance(cycle, dict):
            step["cycle"] = cycle.get("mean", cycle.get("value"))
        step.pop("failures", None)
        step["ranges"] = {
            path: bounds
            for path, bounds in step.get("ranges", {}).items()
            if not path.startswith(("cycle.", "failures."))
        }
    return load_spec_text(yaml.safe_dump(data), f"{name} (deterministic)")


def simulated_rate(spec, replications: int = 2) -> float:
    runs = run_replications(spec, replications, seed=1, workers=2)
    return LineResults(spec, runs, 1).kpi("good_rate_per_h").mean


def test_semi_solid_capacity_by_hand_matches_simulation():
    spec = deterministic_variant("semi_solid")
    # Stacking is the slowest step: 5 stackers, 42 s per cell, a 5-min setup
    # every 500 cells -> 42.6 s per cell -> 5 x 3600 / 42.6 = 422.54 stacks/h.
    stacking = 5 * 3600 / (42 + 5 * 60 / 500)
    # Latent defects per stack: edge burrs on 27 + 28 notched sheets at 2e-5
    # per sheet, and misalignment on 0.2% of the clean stacks.
    burr = 1 - (1 - 2e-5) ** 55
    misaligned = 0.002 * (1 - burr)
    # Share of units passing each step downstream of (and including) stacking:
    # yield x (1 - share of units found carrying a defect there).
    found_at_sealing = 0.9 * misaligned + 0.5 * burr
    mis, bur = 0.1 * misaligned / (1 - found_at_sealing), 0.5 * burr / (1 - found_at_sealing)
    found_at_formation = 0.5 * mis + 0.5 * bur
    mis, bur = 0.5 * mis / (1 - found_at_formation), 0.5 * bur / (1 - found_at_formation)
    found_at_aging = 0.5 * mis + 0.8 * bur
    bur = 0.2 * bur / (1 - found_at_aging)
    passes = [
        0.99,  # stacking yield
        0.995 * (1 - found_at_sealing),  # tab welding and sealing
        0.995,  # electrolyte injection
        1.0,  # wetting rest
        0.98,  # in-situ curing
        0.98 * (1 - found_at_formation),  # formation
        0.995,  # degassing and final seal
        0.99 * (1 - found_at_aging),  # aging
        0.995 * (1 - 0.3 * bur),  # grading
    ]
    hand = stacking * math.prod(passes)  # = 388.7 good cells/h
    assert hand == pytest.approx(388.66, abs=0.05)
    capacity, step_id = line_capacity(spec)
    assert step_id == "stacking" and capacity == pytest.approx(hand, rel=1e-3)
    assert simulated_rate(spec) == pytest.approx(hand, rel=0.02)


def test_all_solid_capacity_by_hand_matches_simulation():
    spec = deterministic_variant("all_solid_sulfide")
    # Stacking: 14 stackers, 120 s per cell, a 10-min setup every 300 cells
    # -> 122 s per cell -> 14 x 3600 / 122 = 413.11 stacks/h.
    stacking = 14 * 3600 / (120 + 10 * 60 / 300)
    burr = 1 - (1 - 5e-5) ** 55  # edge burrs on 27 + 28 laser-cut electrode sheets
    pinhole = 1 - (1 - 1.5e-4) ** 54  # SE pinholes on 54 SE sheets
    misaligned = 0.01 * (1 - burr - pinhole)  # made at stacking, on clean stacks
    found_at_sealing = 0.8 * misaligned + 0.4 * burr
    left = 1 - found_at_sealing
    mis, bur, pin = 0.2 * misaligned / left, 0.6 * burr / left, pinhole / left
    crack = 0.01 * (1 - mis - bur - pin)  # SE cracks made at the press
    found_at_formation = 0.5 * mis + 0.7 * pin + 0.6 * crack + 0.5 * bur
    left = 1 - found_at_formation
    mis, pin, crack, bur = 0.5 * mis / left, 0.3 * pin / left, 0.4 * crack / left, 0.5 * bur / left
    found_at_aging = 0.5 * mis + 0.9 * pin + 0.9 * crack + 0.8 * bur
    left = 1 - found_at_aging
    pin, crack, bur = 0.1 * pin / left, 0.1 * crack / left, 0.2 * bur / left
    passes = [
        0.97,  # precision stacking yield
        0.99 * (1 - found_at_sealing),  # vacuum sealing (X-ray and hi-pot checks)
        0.97,  # warm isostatic press
        0.96 * (1 - found_at_formation),  # formation under pressure
        0.98 * (1 - found_at_aging),  # aging and soft-short screening
        0.99 * (1 - 0.3 * (pin + crack + bur)),  # grading
    ]
    hand = stacking * math.prod(passes)  # = 347.9 good cells/h
    assert hand == pytest.approx(347.86, abs=0.1)
    capacity, step_id = line_capacity(spec)
    assert step_id == "stacking" and capacity == pytest.approx(hand, rel=2e-3)
    assert simulated_rate(spec) == pytest.approx(hand, rel=0.02)


def test_both_lines_have_the_processes_that_define_them():
    semi, solid = load_spec("semi_solid"), load_spec("all_solid_sulfide")
    solid_tags = {solid.process_of(s) for s in solid.steps}
    semi_tags = {semi.process_of(s) for s in semi.steps}
    assert {"dry_electrode_coating", "precision_stacking", "pressurized_assembly"} <= solid_tags
    assert {"wet_electrode_coating", "precision_stacking"} <= semi_tags
    # Both lines stack the same sheets, and both are sized in cells/h (420 of
    # nameplate). The energy per cell used to be written as the same 0.365 kWh
    # in both; it now follows from each cell: block, and the all-solid
    # composite cathode (80% active, 17% SE) holds less at the same coat weight.
    assert semi.steps["stacking"].uses.keys() <= solid.steps["stacking"].uses.keys()
    # 27 double-sided cathodes of 400 x 105 mm at 23 mg/cm2, 3.65 V:
    # semi 0.023 g x 0.96 x 200 mAh/g x 420 cm2 x 2 x 27 = 100.2 Ah -> 0.3656 kWh;
    # solid 0.023 g x 0.80 x 190 mAh/g x 22,680 cm2 = 79.29 Ah -> 0.2894 kWh
    assert semi.product.energy == pytest.approx(0.3656, abs=1e-4)
    assert solid.product.energy == pytest.approx(0.2894, abs=1e-4)


SHIPPED_LINES = ("semi_solid", "all_solid_sulfide", "semi_solid_lfp_storage")


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_spec_loads_without_warnings(name):
    # fabsim validate prints these; a shipped line should give none (stacking
    # uses agree with the cell design, every step of a costed line has a cost:)
    assert spec_warnings(load_spec(name)) == []


@pytest.mark.parametrize("name", SHIPPED_LINES)
def test_the_reference_lines_are_costed_and_designed(name):
    spec = load_spec(name)
    assert spec.cell is not None and spec.costs is not None
    assert all(step.cost is not None for step in spec.steps.values())
    assert name in shipped()


def test_all_solid_energy_follows_from_its_composite_cell():
    semi, solid = load_spec("semi_solid"), load_spec("all_solid_sulfide")
    assert solid.energy_from_cell
    assert solid.product.energy < semi.product.energy
    # 23 mg/cm2 x 0.80 x 190 mAh/g = 3.50 mAh/cm2 per side, inside the
    # 3.4-3.8 mAh/cm2 of a sulfide composite cathode at that coat weight
    cathode = solid.cell.cathode
    areal_mah_per_cm2 = cathode.loading * cathode.active_fraction * cathode.specific_capacity / 1000
    assert 3.4 <= areal_mah_per_cm2 <= 3.8


@pytest.mark.parametrize("scenario", ["pilot_2026", "mature_2030"])
def test_both_all_solid_scenarios_load(scenario):
    base = load_spec("all_solid_sulfide")
    spec = load_spec(f"all_solid_sulfide@{scenario}")
    assert spec.scenario == scenario and spec.label == f"all_solid_sulfide@{scenario}"
    stacking, base_stacking = spec.steps["stacking"], base.steps["stacking"]
    if scenario == "pilot_2026":
        assert stacking.yield_ < base_stacking.yield_
    else:
        assert stacking.cycle.mean_hours < base_stacking.cycle.mean_hours
        assert spec.steps["se_mixing"].cost.material < base.steps["se_mixing"].cost.material


def test_common_random_numbers_narrow_the_paired_interval():
    # The same line against itself with one step 10% faster: paired over
    # replications that share random numbers, the difference is far better
    # resolved than by two independent samples of the same size.
    base = load_spec("five_station", ["run.horizon=20000 min"])
    faster = load_spec("five_station", ["run.horizon=20000 min", "steps.S2.cycle.mean=1.0 min"])
    a = LineResults(base, run_replications(base, 10, seed=3, workers=2), 3).values(
        "good_rate_per_h"
    )
    b = LineResults(faster, run_replications(faster, 10, seed=3, workers=2), 3).values(
        "good_rate_per_h"
    )
    paired, unpaired = paired_difference(a, b), unpaired_difference(a, b)
    # The two runs of one replication share every random number, S2's cycles scaled
    # by 1.0/1.1 (numpy draws exponentials as mean x a standard draw): a sample path
    # of the same line with S2's k-th cycle shorter for every k. In a line with
    # blocking after service every departure time is a max-plus expression that
    # cannot grow when a cycle shrinks (the yield and failure draws stay with the
    # same units and operating hours), so the faster line finishes at least as many
    # units in every replication: a check on the shared streams themselves.
    assert all(faster >= slower for slower, faster in zip(a, b, strict=True))
    assert paired.half_width < 0.7 * unpaired.half_width
    assert paired.significant()
