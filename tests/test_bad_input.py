"""Bad input: one clear message naming file, line and field; exit 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

GOOD = textwrap.dedent("""\
    line: Test line
    product: {item: cell, energy: 0.222 kWh}
    run: {warmup: 1 h, horizon: 10 h}
    buffers:
      stack: 40
    steps:
      stacking:
        process: precision_stacking
        makes: {stack: 1}
        machines: 2
        cycle: 60 s
        yield: 0.98
        failures: [{mtbf: 40 h, mttr: 90 min}]
      press:
        uses: {stack: 1}
        makes: {cell: 1}
        batch: {size: 20, min: 10, max_wait: 30 min}
        cycle: 25 min
    """)


def fabsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fabsim", *args], capture_output=True, text=True, timeout=120
    )


def check_rejected(path: str, expected: str, *args: str) -> None:
    result = fabsim("validate", path, *args)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip() == expected


CASES = [
    # (name, text change, expected message after "FILE:")
    (
        "yield_above_one",
        ("yield: 0.98", "yield: 1.5"),
        "12: steps.stacking.yield: must be in (0, 1], got 1.5",
    ),
    (
        "yield_zero",
        ("yield: 0.98", "yield: 0"),
        "12: steps.stacking.yield: must be in (0, 1], got 0",
    ),
    (
        "unknown_field",
        ("yield: 0.98", "yeild: 0.98"),
        "12: steps.stacking.yeild: unknown field (did you mean 'yield'?)",
    ),
    (
        "wrong_unit",
        ("mtbf: 40 h", "mtbf: 5 m"),
        "13: steps.stacking.failures.0.mtbf: wrong unit: expected a duration such as '45 s', "
        "'20 min' or '2.5 h', got '5 m' which is a length",
    ),
    (
        "number_without_unit",
        ("cycle: 60 s", "cycle: 60"),
        "11: steps.stacking.cycle: a number needs a unit: expected a duration such as "
        "'45 s', '20 min' or '2.5 h', got 60",
    ),
    (
        "negative_time",
        ("cycle: 25 min", "cycle: -25 min"),
        "18: steps.press.cycle: must not be negative, got '-25 min'",
    ),
    (
        "used_never_made",
        ("uses: {stack: 1}", "uses: {stak: 1}"),
        "15: steps.press.uses.stak: item 'stak' is used but no step makes it "
        "(did you mean 'stack'?)",
    ),
    (
        "batch_min_above_size",
        ("min: 10", "min: 30"),
        "17: steps.press.batch: min (30) must not exceed size (20)",
    ),
    (
        "missing_field",
        ("    cycle: 25 min\n", ""),
        "14: steps.press.cycle: required field is missing",
    ),
    (
        "unknown_distribution",
        ("cycle: 60 s", "cycle: {dist: gamma, mean: 60 s}"),
        "11: steps.stacking.cycle: unknown distribution 'gamma'; expected one of: constant, "
        "exponential, normal, lognormal, triangular, uniform, empirical",
    ),
    (
        "whole_number",
        ("machines: 2", "machines: two"),
        "10: steps.stacking.machines: expected a whole number, got 'two'",
    ),
    (
        "buffer_too_small",
        ("stack: 40", "stack: 5"),
        "5: buffers.stack: capacity 5 is less than the 10 that step 'press' takes per cycle; "
        "the line would stop for good",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_field(tmp_path, name, change, expected):
    path = tmp_path / f"{name}.yaml"
    assert change[0] in GOOD
    path.write_text(GOOD.replace(change[0], change[1], 1))
    check_rejected(str(path), f"{path}:{expected}")


def test_good_spec_is_ok(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    result = fabsim("validate", str(path))
    assert result.returncode == 0
    assert result.stdout.strip() == f"OK  {path}: Test line (2 steps)"


def test_cycle_in_flow(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(GOOD.replace("makes: {stack: 1}", "uses: {cell: 1}\n    makes: {stack: 1}"))
    result = fabsim("validate", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # The product may not feed back into the line, and the loop is named.
    assert f"{path}:2: product.item: the product 'cell' is used by step 'stacking'" in result.stderr


def test_cycle_between_intermediate_items(tmp_path):
    path = tmp_path / "loop.yaml"
    text = GOOD.replace(
        "makes: {stack: 1}\n    machines: 2",
        "uses: {part: 1}\n    makes: {stack: 1}\n    machines: 2",
    )
    text += "  back:\n    uses: {stack: 1}\n    makes: {part: 1}\n    cycle: 1 s\n"
    path.write_text(text)
    result = fabsim("validate", str(path))
    assert result.returncode == 2
    assert (
        result.stderr.strip().endswith("the flow has a cycle: back -> stacking -> back")
        or "the flow has a cycle" in result.stderr
    )
    line = text.splitlines().index("    uses: {part: 1}") + 1
    assert f"{path}:{line}: steps.stacking.uses: the flow has a cycle: " in result.stderr


def test_missing_file():
    check_rejected("no/such/spec.yaml", "no/such/spec.yaml: no such file")


def test_yaml_syntax_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("machines: 2", "machines: [2"))
    result = fabsim("validate", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:")
    assert "YAML syntax error" in result.stderr


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    check_rejected(
        str(path), f"{path}:1: the file is empty; a spec needs 'line', 'product' and 'steps'"
    )


def test_duplicate_key(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(GOOD.replace("    machines: 2\n", "    machines: 2\n    machines: 3\n"))
    check_rejected(
        str(path), f"{path}:11: steps.stacking.machines: duplicate key (first written on line 10)"
    )


def test_override_gets_the_same_message():
    result = fabsim(
        "validate", "process_specs/examples/three_step.yaml", "--set", "steps.stacking.yield=1.5"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "--set steps.stacking.yield=1.5: steps.stacking.yield: must be in (0, 1], got 1.5"
    )


def test_override_of_a_misspelt_step():
    result = fabsim(
        "validate", "process_specs/examples/three_step.yaml", "--set", "steps.stakcing.machines=3"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "--set steps.stakcing.machines=3: steps.stakcing: no such field (did you mean 'stacking'?)"
    )


def test_run_with_bad_spec_writes_nothing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("yield: 0.98", "yield: 1.5"))
    out = tmp_path / "out"
    result = fabsim("run", str(path), "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_bad_horizon_option():
    result = fabsim("run", "three_step", "--horizon", "5 m")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "--horizon 5 m: wrong unit: expected a duration such as '45 s', '20 min' or '2.5 h', "
        "got '5 m' which is a length"
    )


def test_field_errors_and_flow_errors_come_in_one_pass(tmp_path):
    path = tmp_path / "two_faults.yaml"
    path.write_text(
        "line: two faults\n"
        "product: {item: cell, energy: 0.222 kWh}\n"
        "steps:\n"
        "  stacking: {makes: {stack: 1}, cycle: 60 s, yield: 97%}\n"
        "  press: {uses: {stak: 1}, makes: {cell: 1}, cycle: 30 s}\n"
    )
    result = fabsim("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:4: steps.stacking.yield: write a fraction, not a percentage: '97%' is 0.97",
        f"{path}:5: steps.press.uses.stak: item 'stak' is used but no step makes it "
        "(did you mean 'stack'?)",
    ]


def test_a_mistyped_line_name_gets_a_suggestion():
    check_rejected(
        "semi_solidd", "semi_solidd: no such file or shipped line; did you mean semi_solid?"
    )


def test_a_text_parsed_again_comes_back_as_a_fresh_copy_with_its_lines():
    # Sweeps parse the same text for every point; the parse is kept, each
    # caller must still own what it gets (overrides are written into it).
    from fabsim.spec.errors import SpecError
    from fabsim.spec.yaml_source import read_yaml_text

    text = "line: x\nsteps:\n  cut: {machines: 2}\n"
    first, lines = read_yaml_text(text, "a.yaml")
    first["steps"]["cut"]["machines"] = 99
    again, lines_again = read_yaml_text(text, "a.yaml")
    assert again == {"line": "x", "steps": {"cut": {"machines": 2}}}
    assert lines_again == lines and lines[("steps", "cut", "machines")] == 3
    with pytest.raises(SpecError) as error:
        read_yaml_text("line: [x\n", "b.yaml")
    with pytest.raises(SpecError) as again_error:  # a bad text is not kept: the same message
        read_yaml_text("line: [x\n", "b.yaml")
    assert str(error.value) == str(again_error.value)
