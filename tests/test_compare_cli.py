"""``fabsim compare`` and ``fabsim specs`` as users run them."""

from __future__ import annotations

import json

import pytest

from tests.test_bad_input import fabsim

SHORT = ("-n", "3", "--horizon", "1 d", "--warmup", "1 d")


def test_compare_json_has_each_line_and_paired_differences():
    result = fabsim(
        "compare",
        "three_step",
        "three_step",
        "--set",
        "steps.coating.cycle.mean=1500 m / (45 m/min)",
        "--json",
        *SHORT,
    )
    # The same override on both: identical lines, so the paired difference is 0.
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "three_step",
        "three_step (2)",
        "command",
        "equal",
        "scaling",
        "equipment",
        "differences",
        "processes",
        "losses",
        "verdict",
    }
    assert data["equal"] is None and data["scaling"] is None
    assert data["equipment"][0] == {
        "process": "wet_electrode_coating",
        "machines": {"three_step": 1, "three_step (2)": 1},
        "capex": {"three_step": None, "three_step (2)": None},
    }
    assert data["verdict"]["winner"] is None  # identical lines: no winner
    assert data["losses"]["off_shift"]["three_step (2) - three_step"]["mean"] == 0
    difference = data["differences"]["three_step (2) - three_step"]["good_rate_per_h"]
    assert difference["mean"] == 0 and difference["significant"] is False


def test_compare_reads_like_the_design(tmp_path):
    faster = tmp_path / "faster_coating.yaml"
    with open("process_specs/examples/three_step.yaml") as handle:
        text = handle.read()
    faster.write_text(text.replace('mean: "1500 m / (35 m/min)"', 'mean: "1500 m / (45 m/min)"'))
    result = fabsim("compare", "three_step", str(faster), *SHORT, "--seed", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "fabsim compare · three_step vs faster_coating · 3 replications · "
        "1 d after 1 d warm-up · seed 2"
    )
    assert "faster_coating − three_step" in result.stdout
    assert "Line KPIs (mean ± 95% CI; differences paired)" in result.stdout
    assert "▲ significant" in result.stdout  # a faster coater makes more
    assert "By process (three_step | faster_coating)" in result.stdout
    verdict = result.stdout[result.stdout.index("Verdict (on good GWh/yr):") :]
    assert "faster_coating makes" in verdict
    assert "more good energy (GWh/yr) than three_step" in verdict


def test_compare_needs_two_lines():
    result = fabsim("compare", "three_step")
    assert result.returncode == 2
    assert "compare needs at least two lines" in result.stderr


def test_default_compare_runs_the_reference_lines():
    result = fabsim("compare", "--json", "-n", "2", "--horizon", "12 h", "--warmup", "12 h")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "semi_solid" in data and "all_solid_sulfide" in data
    assert set(data["processes"]) >= {
        "precision_stacking",
        "dry_electrode_coating",
        "pressurized_assembly",
        "wet_electrode_coating",
    }


def test_specs_lists_the_shipped_lines():
    result = fabsim("specs")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert {"semi_solid", "all_solid_sulfide", "three_step", "five_station"} <= set(names)


def _one_step_line(name: str, cycle: str, energy: str):
    from fabsim.spec import load_spec_text

    return load_spec_text(
        f"""
line: {name}
product: {{item: cell, energy: {energy}}}
run: {{warmup: 0 h, horizon: 100 h}}
steps:
  make: {{makes: {{cell: 1}}, cycle: {{dist: exponential, mean: {cycle}}}}}
""",
        f"{name}.yaml",
    )


def test_the_verdict_follows_energy_and_says_when_units_point_the_other_way():
    import fabsim

    # big: 10 cells/h of 0.9 kWh = 9 kWh/h; small: 25 cells/h of 0.2 kWh = 5 kWh/h.
    big = _one_step_line("big", "6 min", "0.9 kWh")
    small = _one_step_line("small", "2.4 min", "0.2 kWh")
    comparison = fabsim.compare([big, small], replications=5, seed=1, workers=1)
    data = comparison.to_dict()
    assert data["verdict"]["kpi"] == "gwh_per_year"
    assert data["verdict"]["winner"] == "big"
    first, second = data["verdict"]["text"][:2]
    assert first.startswith("small makes ") and "% less good energy (GWh/yr) than big" in first
    assert second.startswith("In units the order is reversed: small makes ")
    assert second.endswith(
        "more good units than big, but each holds less energy (200 Wh against 900 Wh)."
    )
    difference = data["differences"]["small - big"]
    assert difference["good_rate_relative"]["mean"] > 1.0  # 2.5 times the units
    assert difference["gwh_per_year_relative"]["mean"] == pytest.approx(-4 / 9, abs=0.05)
